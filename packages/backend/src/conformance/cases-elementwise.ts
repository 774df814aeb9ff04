import type { DType } from '../dtype.js';
import { BINARY_OPS, COMPARE_OPS, INT_BINARY_OPS, INT_UNARY_OPS, UNARY_OPS, type BinaryOp, type UnaryOp } from '../ops.js';
import type { Shape } from '../shape.js';
import type { CaseContext, ComputeCase } from './case.js';

/** Inputs inside each unary op's domain (and away from its poles). */
const UNARY_DOMAIN: Record<UnaryOp, readonly [number, number]> = {
  neg: [-3, 3],
  abs: [-3, 3],
  sign: [-3, 3],
  square: [-3, 3],
  sqrt: [0.05, 4],
  rsqrt: [0.05, 4],
  reciprocal: [0.2, 3],
  exp: [-4, 4],
  expm1: [-2, 2],
  log: [0.05, 5],
  log1p: [-0.9, 4],
  sin: [-4, 4],
  cos: [-4, 4],
  tanh: [-4, 4],
  erf: [-3, 3],
  floor: [-4, 4],
  ceil: [-4, 4],
  round: [-4, 4],
};

/** Operand ranges of each binary op: `[a range, b range]`. */
const BINARY_DOMAIN: Record<BinaryOp, readonly [readonly [number, number], readonly [number, number]]> = {
  add: [
    [-3, 3],
    [-3, 3],
  ],
  sub: [
    [-3, 3],
    [-3, 3],
  ],
  mul: [
    [-3, 3],
    [-3, 3],
  ],
  div: [
    [-3, 3],
    [0.25, 3],
  ],
  pow: [
    [0.2, 3],
    [-2, 2],
  ],
  maximum: [
    [-3, 3],
    [-3, 3],
  ],
  minimum: [
    [-3, 3],
    [-3, 3],
  ],
};

/** Operand shapes every binary op is tried on: same shapes, broadcasting, scalars, size 0. */
const BINARY_SHAPES: readonly (readonly [string, Shape, Shape])[] = [
  ['same [2,3]', [2, 3], [2, 3]],
  ['broadcast [3,1]x[4]', [3, 1], [4]],
  ['broadcast [3,1]x[1,4]', [3, 1], [1, 4]],
  ['rank mismatch [2,3,4]x[4]', [2, 3, 4], [4]],
  ['rank mismatch [3,1]x[2,1,4]', [3, 1], [2, 1, 4]],
  ['size-1 dims [1,3,1]x[2,1,1]', [1, 3, 1], [2, 1, 1]],
  ['scalar x tensor []x[2,3]', [], [2, 3]],
  ['tensor x scalar [2,3]x[]', [2, 3], []],
  ['scalar x scalar', [], []],
  ['zero-size [0,3]x[3]', [0, 3], [3]],
];

/** NaN, the infinities, the zeros and ±1: IEEE 754's special cases, where backends tend to differ. */
const SPECIAL = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1, -1, 0.5];
/** Pairs of special operands: every pair of NaN, ±∞, 0 and 1 (each element of `SPECIAL_A` meets its `SPECIAL_B`). */
const SPECIAL_PAIR_VALUES = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, 1];
const SPECIAL_A = SPECIAL_PAIR_VALUES.flatMap((a) => SPECIAL_PAIR_VALUES.map(() => a));
const SPECIAL_B = SPECIAL_PAIR_VALUES.flatMap(() => SPECIAL_PAIR_VALUES);
/**
 * `pow`'s operands: every pair of these (169), where C's `pow` (the reference's) has its special
 * cases: `pow(1, NaN) = 1`, `pow(−1, ±∞) = 1`, `pow(0, −1) = ∞`, `pow(−∞, 0.5) = ∞`, negative
 * bases with integer and other exponents. The reference's values on this grid are PyTorch's
 * (`reference-pow.test.ts`).
 */
export const POW_SPECIAL_VALUES = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, 1, -1, 2, -2, 0.5, -0.5, 3, -3, 2.5];
const POW_A = POW_SPECIAL_VALUES.flatMap((a) => POW_SPECIAL_VALUES.map(() => a));
const POW_B = POW_SPECIAL_VALUES.flatMap(() => POW_SPECIAL_VALUES);

const ROUNDING_DATA = [-3.7, -2.5, -1.5, -0.5, -0.2, 0, 0.3, 0.5, 1.5, 2.5, 2.7, 3.5];

function unaryCases(): ComputeCase[] {
  const cases: ComputeCase[] = [];
  for (const op of UNARY_OPS) {
    const [lo, hi] = UNARY_DOMAIN[op];
    cases.push(
      { id: `unary/${op}/[3,4]`, run: (c) => c.backend.unary(op, c.uniform([3, 4], lo, hi)) },
      { id: `unary/${op}/scalar`, run: (c) => c.backend.unary(op, c.uniform([], lo, hi)) },
      { id: `unary/${op}/zero-size [0,3]`, run: (c) => c.backend.unary(op, c.uniform([0, 3], lo, hi)) },
    );
    if (INT_UNARY_OPS.has(op)) {
      cases.push({ id: `unary/${op}/int32 [3,4]`, run: (c) => c.backend.unary(op, c.ints([3, 4], -5, 5)) });
    }
  }
  for (const op of ['floor', 'ceil', 'round'] as const) {
    cases.push({ id: `unary/${op}/halves and integers`, run: (c) => c.backend.unary(op, c.tensor(ROUNDING_DATA)) });
  }
  cases.push(
    { id: 'unary/reciprocal/negative', run: (c) => c.backend.unary('reciprocal', c.uniform([5], -3, -0.2)) },
    { id: 'unary/sign/zeros', run: (c) => c.backend.unary('sign', c.tensor([-2, 0, 3, 0])) },
    { id: 'unary/sign/int32 zeros', run: (c) => c.backend.unary('sign', c.tensor([-2, 0, 3], [3], 'int32')) },
    { id: 'unary/sqrt/zero', run: (c) => c.backend.unary('sqrt', c.tensor([0, 1, 4])) },
    { id: 'unary/log/zero is -Infinity', run: (c) => c.backend.unary('log', c.tensor([0, 1])) },
    { id: 'unary/tanh/saturates', run: (c) => c.backend.unary('tanh', c.tensor([-30, 30, 0])) },
    { id: 'unary/erf/saturates', run: (c) => c.backend.unary('erf', c.tensor([-6, 6, 0])) },
  );
  // NaN in, NaN out; the infinities and zeros as IEEE 754 and JavaScript's Math give them
  for (const op of UNARY_OPS)
    cases.push({ id: `unary/${op}/NaN, infinities and zeros`, run: (c) => c.backend.unary(op, c.tensor(SPECIAL)) });
  return cases;
}

function binaryCases(): ComputeCase[] {
  const cases: ComputeCase[] = [];
  for (const op of BINARY_OPS) {
    const [[alo, ahi], [blo, bhi]] = BINARY_DOMAIN[op];
    for (const [label, sa, sb] of BINARY_SHAPES) {
      cases.push({ id: `binary/${op}/${label}`, run: (c) => c.backend.binary(op, c.uniform(sa, alo, ahi), c.uniform(sb, blo, bhi)) });
    }
    const num = op === 'pow' ? 2 : 1.5;
    cases.push(
      { id: `binary/${op}/number second`, run: (c) => c.backend.binary(op, c.uniform([2, 3], alo, ahi), num) },
      { id: `binary/${op}/number first`, run: (c) => c.backend.binary(op, op === 'pow' ? 2 : 1.5, c.uniform([2, 3], blo, bhi)) },
    );
    if (INT_BINARY_OPS.has(op)) {
      cases.push(
        { id: `binary/${op}/int32 broadcast [3,1]x[4]`, run: (c) => c.backend.binary(op, c.ints([3, 1], -9, 9), c.ints([4], -9, 9)) },
        { id: `binary/${op}/int32 number`, run: (c) => c.backend.binary(op, c.ints([5], -9, 9), 3) },
      );
    }
  }
  cases.push(
    {
      id: 'binary/pow/negative base, integer exponents',
      run: (c) => c.backend.binary('pow', c.tensor([-2, -1.5, 3, -0.5, -2]), c.tensor([2, 3, -1, 0, -2])),
    },
    { id: 'binary/div/by zero', run: (c) => c.backend.binary('div', c.tensor([1, -1, 0]), c.tensor([0, 0, 0])) },
    // pow's special values are C99's (NumPy, PyTorch, XLA): every pair of these operands
    {
      id: 'binary/pow/special values (C99 pow)',
      run: (c) => c.backend.binary('pow', c.tensor(POW_A), c.tensor(POW_B)),
    },
    // every pair of NaN, ±∞, 0 and 1
    ...BINARY_OPS.filter((op) => op !== 'pow').map(
      (op): ComputeCase => ({
        id: `binary/${op}/NaN, infinities and zeros`,
        run: (c) => c.backend.binary(op, c.tensor(SPECIAL_A), c.tensor(SPECIAL_B)),
      }),
    ),
    { id: 'binary/maximum/ties', run: (c) => c.backend.binary('maximum', c.ints([6], -1, 1, c.dtype), c.ints([6], -1, 1, c.dtype)) },
    {
      id: 'binary/add/aliased operands',
      run: (c) => {
        const x = c.uniform([3]);
        return c.backend.add(x, x);
      },
    },
  );
  return cases;
}

function compareCases(): ComputeCase[] {
  const cases: ComputeCase[] = [];
  for (const op of COMPARE_OPS) {
    cases.push(
      {
        id: `compare/${op}/same [3,4] with ties`,
        run: (c) => c.backend.compare(op, c.ints([3, 4], -2, 2, c.dtype), c.ints([3, 4], -2, 2, c.dtype)),
      },
      {
        id: `compare/${op}/broadcast [3,1]x[4]`,
        run: (c) => c.backend.compare(op, c.ints([3, 1], -2, 2, c.dtype), c.ints([4], -2, 2, c.dtype)),
      },
      { id: `compare/${op}/number`, run: (c) => c.backend.compare(op, c.ints([2, 3], -2, 2, c.dtype), 0) },
      { id: `compare/${op}/scalar`, run: (c) => c.backend.compare(op, c.uniform([]), c.uniform([])) },
      { id: `compare/${op}/int32`, run: (c) => c.backend.compare(op, c.ints([6], -2, 2), c.ints([6], -2, 2)) },
      { id: `compare/${op}/zero-size`, run: (c) => c.backend.compare(op, c.uniform([2, 0]), c.uniform([1, 0])) },
    );
  }
  for (const op of COMPARE_OPS) {
    cases.push({ id: `compare/${op}/NaN and infinities`, run: (c) => c.backend.compare(op, c.tensor(SPECIAL_A), c.tensor(SPECIAL_B)) });
  }
  for (const op of ['equal', 'notEqual'] as const) {
    cases.push({
      id: `compare/${op}/bool`,
      run: (c) => c.backend.compare(op, c.tensor([0, 1, 1, 0], [4], 'bool'), c.tensor([0, 0, 1, 1], [4], 'bool')),
    });
  }
  return cases;
}

function whereCases(): ComputeCase[] {
  return [
    { id: 'where/same [2,3]', run: (c) => c.backend.where(c.bools([2, 3]), c.uniform([2, 3]), c.uniform([2, 3])) },
    { id: 'where/broadcast cond [3,1] a [4] b []', run: (c) => c.backend.where(c.bools([3, 1]), c.uniform([4]), c.uniform([])) },
    { id: 'where/broadcast a [2,1,3] b [4,1]', run: (c) => c.backend.where(c.bools([3]), c.uniform([2, 1, 3]), c.uniform([4, 1])) },
    { id: 'where/scalar cond', run: (c) => c.backend.where(c.tensor([1], [], 'bool'), c.uniform([2, 2]), c.uniform([2, 2])) },
    { id: 'where/number operands', run: (c) => c.backend.where(c.bools([5]), c.uniform([5]), -1) },
    { id: 'where/number first', run: (c) => c.backend.where(c.bools([5]), 2.5, c.uniform([5])) },
    { id: 'where/int32', run: (c) => c.backend.where(c.bools([2, 3]), c.ints([2, 3], -9, 9), c.ints([3], -9, 9)) },
    { id: 'where/bool values', run: (c) => c.backend.where(c.bools([6]), c.bools([6]), c.bools([6])) },
    { id: 'where/zero-size', run: (c) => c.backend.where(c.bools([0, 2]), c.uniform([2]), c.uniform([0, 1])) },
  ];
}

const CAST_SPECIAL = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3e9, -3e9, 2147483520, -2147483648, -0, 2.5, -2.5];
const CAST_DATA = [-2.7, -2.5, -1, -0.5, 0, 0.4, 1.5, 2.9, 100.25, -100.75];

function castCases(): ComputeCase[] {
  const cases: ComputeCase[] = [];
  const sources: [string, (c: CaseContext) => ReturnType<CaseContext['tensor']>][] = [
    ['float', (c) => c.tensor(CAST_DATA, [2, 5])],
    ['int32', (c) => c.tensor([-7, -1, 0, 1, 2, 3, 0, 5, -2, 9], [2, 5], 'int32')],
    ['bool', (c) => c.tensor([0, 1, 1, 0, 1, 0, 0, 1, 1, 1], [2, 5], 'bool')],
  ];
  const targets: [string, (c: CaseContext) => DType][] = [
    ['float', (c) => c.dtype],
    ['int32', () => 'int32'],
    ['bool', () => 'bool'],
  ];
  for (const [from, make] of sources) {
    for (const [to, dtype] of targets) {
      cases.push({ id: `cast/${from}->${to}`, run: (c) => c.backend.cast(make(c), dtype(c)) });
    }
  }
  cases.push(
    { id: 'cast/float->int32 scalar', run: (c) => c.backend.cast(c.tensor([-3.99], []), 'int32') },
    // NaN to 0; out of range (±∞ included) saturates; the float32 values next to ±2³¹ stay exact
    {
      id: 'cast/float->int32 NaN, infinities and out of range',
      run: (c) => c.backend.cast(c.tensor(CAST_SPECIAL), 'int32'),
    },
    { id: 'cast/float->bool NaN, infinities and zeros', run: (c) => c.backend.cast(c.tensor(SPECIAL), 'bool') },
    { id: 'cast/float->bool zero-size', run: (c) => c.backend.cast(c.uniform([0, 2]), 'bool') },
    {
      id: 'cast/float32->float64',
      only: ['float64'],
      run: (c) => c.backend.cast(c.tensor([1 / 3, -0.1, 1e-30], [3], 'float32'), 'float64'),
    },
    {
      id: 'cast/float64->float32',
      only: ['float64'],
      run: (c) => c.backend.cast(c.tensor([1 / 3, -0.1, 1e-30], [3], 'float64'), 'float32'),
    },
    {
      id: 'cast/float64->int32',
      only: ['float64'],
      run: (c) => c.backend.cast(c.tensor([2.9999999999, -2.9999999999], [2], 'float64'), 'int32'),
    },
  );
  return cases;
}

/** Elementwise cases: every unary, binary and comparison op, `where`, and `cast` between all dtypes. */
export function elementwiseCases(): ComputeCase[] {
  return [...unaryCases(), ...binaryCases(), ...compareCases(), ...whereCases(), ...castCases()];
}
