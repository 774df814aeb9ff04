import type { BinaryOp, CompareOp, UnaryOp } from '../ops.js';
import type { ElementwiseProgram } from '../program.js';
import type { FloatDType, Tolerance } from './case.js';

/**
 * What the reference knows of one element of one node: the value a float64 JavaScript evaluation
 * gives (rounded to float32 after every node in a float32 run, as the primitives round), and an
 * interval `[lo, hi]` that holds every value a backend may compute, given that each of its ops may
 * err by the suite's tolerance. `nan` is `'no'`, `'yes'` (the value is NaN on every admissible
 * path) or `'maybe'` (unverifiable: the element is not compared).
 */
export interface ReferenceValue {
  /** The float64 (or float32-rounded) value. */
  readonly value: number;
  /** Lowest admissible value. */
  readonly lo: number;
  /** Highest admissible value. */
  readonly hi: number;
  /** Whether the value is NaN. */
  readonly nan: 'no' | 'yes' | 'maybe';
}

type Cmp = 'true' | 'false' | 'maybe';
type Slot = ReferenceValue | Cmp;

const UNKNOWN: ReferenceValue = { value: NaN, lo: -Infinity, hi: Infinity, nan: 'maybe' };

/** erf by its everywhere-convergent series of positive terms: erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3···(2n+1)). */
export function referenceErf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === 0) return x;
  const ax = Math.abs(x);
  if (ax > 6) return Math.sign(x);
  let term = ax;
  let sum = ax;
  const x2 = ax * ax;
  for (let n = 1; n < 400; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return Math.sign(x) * Math.min(1, (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum);
}

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f === 0 && x < 0 ? -0 : f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** The reference's scalar math: the primitives' semantics in float64. */
export const UNARY_REFERENCE: Readonly<Record<UnaryOp, (x: number) => number>> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
  square: (x) => x * x,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  reciprocal: (x) => 1 / x,
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  erf: referenceErf,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
};

/** Binary math in float64 with NumPy's `pow` conventions (`pow(1, y) = 1`, `pow(−1, ±∞) = 1`). */
export const BINARY_REFERENCE: Readonly<Record<BinaryOp, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => (a === 1 || (a === -1 && !Number.isFinite(b) && !Number.isNaN(b)) ? 1 : Math.pow(a, b)),
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
};

const COMPARE_REFERENCE: Readonly<Record<CompareOp, (a: number, b: number) => boolean>> = {
  equal: (a, b) => a === b,
  notEqual: (a, b) => a !== b,
  less: (a, b) => a < b,
  lessEqual: (a, b) => a <= b,
  greater: (a, b) => a > b,
  greaterEqual: (a, b) => a >= b,
};

/** Ops that are monotone non-decreasing (over their whole domain) or non-increasing. */
const INCREASING = new Set<UnaryOp>(['exp', 'expm1', 'log', 'log1p', 'sqrt', 'tanh', 'erf', 'floor', 'ceil', 'round', 'sign']);
/** Where a unary op is defined (outside it gives NaN). */
const DOMAIN_MIN: Partial<Record<UnaryOp, number>> = { log: 0, sqrt: 0, rsqrt: 0, log1p: -1 };

/**
 * Widens an interval by one op's admissible error. An infinite end stays where it is: `log(0)` is
 * exactly −∞ (its interval [−∞, −∞]), and widening −∞ by a relative error would give −∞ + ∞, NaN.
 */
function widen(lo: number, hi: number, tol: Tolerance): [number, number] {
  return [
    Number.isFinite(lo) ? lo - tol.atol - tol.rtol * Math.abs(lo) : lo,
    Number.isFinite(hi) ? hi + tol.atol + tol.rtol * Math.abs(hi) : hi,
  ];
}

function make(value: number, lo: number, hi: number, tol: Tolerance): ReferenceValue {
  if (Number.isNaN(lo) || Number.isNaN(hi)) return UNKNOWN;
  const [l, h] = widen(Math.min(lo, value), Math.max(hi, value), tol);
  return { value, lo: l, hi: h, nan: 'no' };
}

function unaryInterval(op: UnaryOp, x: ReferenceValue, value: number, tol: Tolerance): ReferenceValue {
  const f = UNARY_REFERENCE[op];
  const min = DOMAIN_MIN[op];
  if (min !== undefined) {
    if (x.hi < min) return { value: NaN, lo: NaN, hi: NaN, nan: 'yes' };
    if (x.lo < min) return UNKNOWN;
  }
  if (INCREASING.has(op)) return make(value, f(x.lo), f(x.hi), tol);
  switch (op) {
    case 'neg':
      return make(value, -x.hi, -x.lo, tol);
    case 'abs':
    case 'square': {
      const a = f(x.lo);
      const b = f(x.hi);
      return make(value, x.lo <= 0 && x.hi >= 0 ? 0 : Math.min(a, b), Math.max(a, b), tol);
    }
    case 'rsqrt':
      return x.lo <= 0 ? UNKNOWN : make(value, f(x.hi), f(x.lo), tol);
    case 'reciprocal':
      return x.lo <= 0 && x.hi >= 0 ? UNKNOWN : make(value, f(x.hi), f(x.lo), tol);
    case 'sin':
    case 'cos': {
      // 1-Lipschitz: within the input's half-width of the value, and within [−1, 1]
      if (!Number.isFinite(x.lo) || !Number.isFinite(x.hi)) return UNKNOWN;
      const w = Math.max(x.hi - x.value, x.value - x.lo);
      return make(value, Math.max(-1, value - w), Math.min(1, value + w), tol);
    }
    default:
      return UNKNOWN;
  }
}

function corners(f: (a: number, b: number) => number, a: ReferenceValue, b: ReferenceValue): [number, number] {
  const c = [f(a.lo, b.lo), f(a.lo, b.hi), f(a.hi, b.lo), f(a.hi, b.hi)];
  if (c.some(Number.isNaN)) return [NaN, NaN];
  return [Math.min(...c), Math.max(...c)];
}

function binaryInterval(op: BinaryOp, a: ReferenceValue, b: ReferenceValue, value: number, tol: Tolerance): ReferenceValue {
  switch (op) {
    case 'add':
      return make(value, a.lo + b.lo, a.hi + b.hi, tol);
    case 'sub':
      return make(value, a.lo - b.hi, a.hi - b.lo, tol);
    case 'mul':
      return make(value, ...corners((p, q) => p * q, a, b), tol);
    case 'div':
      return b.lo <= 0 && b.hi >= 0 ? UNKNOWN : make(value, ...corners((p, q) => p / q, a, b), tol);
    case 'pow':
      // monotone in each argument on a positive base: the extremes are at the corners
      return a.lo <= 0 ? UNKNOWN : make(value, ...corners(Math.pow, a, b), tol);
    case 'maximum':
      return make(value, Math.max(a.lo, b.lo), Math.max(a.hi, b.hi), tol);
    case 'minimum':
      return make(value, Math.min(a.lo, b.lo), Math.min(a.hi, b.hi), tol);
    default:
      return op satisfies never;
  }
}

function compareInterval(op: CompareOp, a: ReferenceValue, b: ReferenceValue): Cmp {
  if (a.nan !== 'no' || b.nan !== 'no') return a.nan === 'yes' || b.nan === 'yes' ? (op === 'notEqual' ? 'true' : 'false') : 'maybe';
  const lt = a.hi < b.lo; // surely a < b
  const gt = a.lo > b.hi; // surely a > b
  const eq = a.lo === a.hi && b.lo === b.hi && a.lo === b.lo;
  switch (op) {
    case 'less':
      return lt ? 'true' : a.lo >= b.hi ? 'false' : 'maybe';
    case 'lessEqual':
      return a.hi <= b.lo ? 'true' : gt ? 'false' : 'maybe';
    case 'greater':
      return gt ? 'true' : a.hi <= b.lo ? 'false' : 'maybe';
    case 'greaterEqual':
      return a.lo >= b.hi ? 'true' : lt ? 'false' : 'maybe';
    case 'equal':
      return eq ? 'true' : lt || gt ? 'false' : 'maybe';
    case 'notEqual':
      return eq ? 'false' : lt || gt ? 'true' : 'maybe';
    default:
      return op satisfies never;
  }
}

/** A value known exactly: surely NaN, or an interval of one point. */
function isExact(v: ReferenceValue): boolean {
  return v.nan === 'yes' || (v.nan === 'no' && v.lo === v.hi);
}

function nanOf(value: number): ReferenceValue {
  return { value, lo: NaN, hi: NaN, nan: 'yes' };
}

/**
 * Evaluates a program for one element in float64 JavaScript (rounding every node to float32 in a
 * float32 run), the reference the conformance suite checks `runProgram` against, independent of
 * every backend. Alongside each value it carries the interval of values a backend may admissibly
 * compute when each of its ops errs by up to `tol` (relative plus absolute): exact ops stay tight,
 * comparisons whose operands' intervals overlap make the `where` admit both branches, and anything
 * that may or may not be NaN is left unverifiable.
 *
 * @param program - The program.
 * @param inputs - Element values of the tensor inputs.
 * @param scalars - The group's scalars.
 * @param dtype - The run's float dtype.
 * @param tol - The admissible error of one op.
 * @returns For each output, the reference value and its admissible interval.
 *
 * @example
 * ```ts
 * const add = { inputs: 2, scalars: 0, nodes: [{ op: 'input', index: 0 }, { op: 'input', index: 1 },
 *   { op: 'binary', fn: 'add', a: 0, b: 1 }], outputs: [2] } as const;
 * referenceProgramElement(add, [1, 2], [], 'float64', { rtol: 0, atol: 0 }); // [{ value: 3, lo: 3, hi: 3, nan: 'no' }]
 * ```
 */
export function referenceProgramElement(
  program: ElementwiseProgram,
  inputs: readonly number[],
  scalars: readonly number[],
  dtype: FloatDType,
  tol: Tolerance,
): ReferenceValue[] {
  const r = dtype === 'float32' ? Math.fround : (x: number) => x;
  // in float32, anything beyond the largest finite float32 may round to an infinity
  const F32_MAX = 3.4028234663852886e38;
  const fit = (v: ReferenceValue): ReferenceValue =>
    dtype === 'float32' && v.nan === 'no' && (v.hi > F32_MAX || v.lo < -F32_MAX)
      ? { ...v, lo: v.lo < -F32_MAX ? -Infinity : v.lo, hi: v.hi > F32_MAX ? Infinity : v.hi }
      : v;
  const exact = (v: number): ReferenceValue => (Number.isNaN(v) ? nanOf(v) : { value: v, lo: v, hi: v, nan: 'no' });
  const slots: Slot[] = [];
  for (const node of program.nodes) {
    switch (node.op) {
      case 'input':
        slots.push(exact(r(inputs[node.index])));
        break;
      case 'scalar':
        slots.push(exact(r(scalars[node.index])));
        break;
      case 'const':
        slots.push(exact(r(node.value)));
        break;
      case 'unary': {
        const x = slots[node.x] as ReferenceValue;
        const value = r(UNARY_REFERENCE[node.fn](x.value));
        slots.push(
          fit(
            x.nan === 'yes'
              ? nanOf(value)
              : x.nan === 'maybe'
                ? UNKNOWN
                : Number.isNaN(value) && DOMAIN_MIN[node.fn] === undefined
                  ? UNKNOWN
                  : unaryInterval(node.fn, x, value, tol),
          ),
        );
        break;
      }
      case 'binary': {
        const a = slots[node.a] as ReferenceValue;
        const b = slots[node.b] as ReferenceValue;
        const value = r(BINARY_REFERENCE[node.fn](a.value, b.value));
        // pow of exact operands (inputs, scalars, constants) is C99's, special values included;
        // near 1 or near NaN an operand that is not exact leaves the result unverifiable
        if (node.fn === 'pow' && isExact(a) && isExact(b))
          slots.push(Number.isNaN(value) ? nanOf(value) : fit(make(value, value, value, tol)));
        else if (node.fn === 'pow' && (a.value === 1 || a.nan !== 'no' || b.nan !== 'no'))
          slots.push(a.nan === 'yes' && b.nan === 'yes' ? nanOf(value) : UNKNOWN);
        else if (a.nan === 'yes' || b.nan === 'yes') slots.push(nanOf(NaN));
        else if (a.nan === 'maybe' || b.nan === 'maybe') slots.push(UNKNOWN);
        else if (Number.isNaN(value)) slots.push(UNKNOWN);
        else slots.push(fit(binaryInterval(node.fn, a, b, value, tol)));
        break;
      }
      case 'compare': {
        const a = slots[node.a] as ReferenceValue;
        const b = slots[node.b] as ReferenceValue;
        const sure = compareInterval(node.fn, a, b);
        // the reference's own outcome must agree with a sure outcome
        if (sure !== 'maybe' && (sure === 'true') !== COMPARE_REFERENCE[node.fn](a.value, b.value))
          throw new Error('program reference: inconsistent comparison');
        slots.push(sure);
        break;
      }
      case 'where': {
        const c = slots[node.cond] as Cmp;
        const a = slots[node.a] as ReferenceValue;
        const b = slots[node.b] as ReferenceValue;
        if (c === 'true') slots.push(a);
        else if (c === 'false') slots.push(b);
        else if (a.nan !== 'no' || b.nan !== 'no') slots.push(UNKNOWN);
        else slots.push({ value: a.value, lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi), nan: 'no' });
        break;
      }
      default:
        node satisfies never;
    }
  }
  return program.outputs.map((o) => slots[o] as ReferenceValue);
}

/**
 * Whether a backend's value is admissible for a reference value: NaN where the reference is surely
 * NaN, within `[lo, hi]` otherwise (infinities included); `undefined` when the element cannot be
 * verified (it may or may not be NaN, or its interval is unbounded on both sides).
 *
 * @param got - The backend's value.
 * @param want - The reference.
 * @returns true, false, or undefined for an unverifiable element.
 *
 * @example
 * ```ts
 * admissible(3.0000001, { value: 3, lo: 2.99, hi: 3.01, nan: 'no' }); // true
 * ```
 */
export function admissible(got: number, want: ReferenceValue): boolean | undefined {
  if (want.nan === 'maybe' || (want.lo === -Infinity && want.hi === Infinity)) return undefined;
  if (want.nan === 'yes') return Number.isNaN(got);
  return got >= want.lo && got <= want.hi;
}
