import fc from 'fast-check';
import { expect } from 'vitest';
import type { Backend } from '../backend.js';
import { BINARY_OPS, COMPARE_OPS, UNARY_OPS, type UnaryOp } from '../ops.js';
import type { ElementwiseProgram, ProgramGroup, ProgramNode } from '../program.js';
import { sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { hashString, mulberry32, type CheckCase, type CheckContext, type FloatDType, type Tolerance } from './case.js';
import { expectNoLeak } from './cases-contract.js';
import { POW_SPECIAL_VALUES } from './cases-elementwise.js';
import { admissible, referenceProgramElement } from './program-reference.js';

/** One step of a generated program: which op, and picks among the float nodes made so far. */
interface Step {
  readonly kind: 'unary' | 'binary' | 'select' | 'const';
  readonly fn: number;
  readonly picks: readonly [number, number, number, number];
  /** Leave the operands of domain-sensitive ops unguarded (so NaN and infinities occur too). */
  readonly raw: boolean;
}

/** What fast-check generates: a program recipe, its groups and the in-place request. */
interface Recipe {
  readonly inputs: number;
  readonly scalars: number;
  readonly steps: readonly Step[];
  readonly outputs: readonly number[];
  readonly inPlace: readonly (number | undefined)[];
  readonly groups: readonly { readonly shape: readonly number[]; readonly seed: number }[];
}

const CONSTS = [0, 1, -1, 0.5, 2, 1e-3, 3.25, -0.75];
const TIES = [-1, 0, 0.5, 1, 2];

/** Builds the program a recipe describes (a DAG in topological order). */
export function buildProgram(r: Recipe): ElementwiseProgram {
  const nodes: ProgramNode[] = [];
  const floats: number[] = [];
  const push = (n: ProgramNode, float = true): number => {
    nodes.push(n);
    if (float) floats.push(nodes.length - 1);
    return nodes.length - 1;
  };
  const node = (n: ProgramNode): number => {
    nodes.push(n);
    return nodes.length - 1;
  };
  for (let i = 0; i < r.inputs; i++) push({ op: 'input', index: i });
  for (let i = 0; i < r.scalars; i++) push({ op: 'scalar', index: i });
  const pick = (k: number) => floats[k % floats.length];
  const c = (value: number) => node({ op: 'const', value });
  /** |x| + 0.5: a safe operand for roots, logarithms and divisors. */
  const positive = (x: number) => node({ op: 'binary', fn: 'add', a: node({ op: 'unary', fn: 'abs', x }), b: c(0.5) });
  for (const s of r.steps) {
    const [p0, p1, p2, p3] = s.picks;
    switch (s.kind) {
      case 'const':
        push({ op: 'const', value: CONSTS[s.fn % CONSTS.length] });
        break;
      case 'unary': {
        const fn = UNARY_OPS[s.fn % UNARY_OPS.length];
        let x = pick(p0);
        if (!s.raw) {
          if (GUARD_POSITIVE.has(fn)) x = positive(x);
          else if (fn === 'log1p') x = node({ op: 'unary', fn: 'abs', x });
          else if (fn === 'exp' || fn === 'expm1') x = node({ op: 'binary', fn: 'minimum', a: x, b: c(8) });
        }
        push({ op: 'unary', fn, x });
        break;
      }
      case 'binary': {
        const fn = BINARY_OPS[s.fn % BINARY_OPS.length];
        let a = pick(p0);
        let b = pick(p1);
        if (!s.raw && fn === 'div') b = positive(b);
        if (!s.raw && fn === 'pow') {
          a = positive(a);
          b = node({ op: 'binary', fn: 'mul', a: node({ op: 'unary', fn: 'tanh', x: b }), b: c(3) });
        }
        push({ op: 'binary', fn, a, b });
        break;
      }
      case 'select': {
        const cond = push({ op: 'compare', fn: COMPARE_OPS[s.fn % COMPARE_OPS.length], a: pick(p0), b: pick(p1) }, false);
        push({ op: 'where', cond, a: pick(p2), b: pick(p3) });
        break;
      }
    }
  }
  const last = floats[floats.length - 1];
  const outputs = [last, ...r.outputs.map(pick)];
  return { inputs: r.inputs, scalars: r.scalars, nodes, outputs };
}

const GUARD_POSITIVE = new Set<UnaryOp>(['sqrt', 'rsqrt', 'log', 'reciprocal']);

const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom('unary', 'unary', 'binary', 'binary', 'binary', 'select', 'const'),
  fn: fc.nat(1000),
  picks: fc.tuple(fc.nat(1000), fc.nat(1000), fc.nat(1000), fc.nat(1000)),
  raw: fc.integer({ min: 0, max: 7 }).map((k) => k === 0),
}) as fc.Arbitrary<Step>;

const recipeArb: fc.Arbitrary<Recipe> = fc
  .record({
    inputs: fc.integer({ min: 1, max: 4 }),
    scalars: fc.integer({ min: 0, max: 3 }),
    steps: fc.array(stepArb, { minLength: 1, maxLength: 12 }),
    outputs: fc.array(fc.nat(1000), { maxLength: 2 }),
    inPlaceSeed: fc.nat(1000),
    groups: fc.array(fc.record({ shape: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }), seed: fc.nat() }), {
      minLength: 1,
      maxLength: 3,
    }),
  })
  .map((r) => {
    const outs = 1 + r.outputs.length;
    // each output may overwrite a distinct input
    const free = Array.from({ length: r.inputs }, (_, i) => i);
    const rand = mulberry32(r.inPlaceSeed);
    const inPlace = Array.from({ length: outs }, () =>
      free.length > 0 && rand() < 0.6 ? free.splice(Math.floor(rand() * free.length), 1)[0] : undefined,
    );
    return { inputs: r.inputs, scalars: r.scalars, steps: r.steps, outputs: r.outputs, inPlace, groups: r.groups };
  });

/** Host values of one group: uniform in [−3, 3), a third of them from a few ties, all float32-representable. */
function groupData(seed: number, inputs: number, scalars: number, size: number): { inputs: number[][]; scalars: number[] } {
  const rand = mulberry32(seed);
  const value = () => Math.fround(rand() < 0.33 ? TIES[Math.floor(rand() * TIES.length)] : -3 + 6 * rand());
  return {
    inputs: Array.from({ length: inputs }, () => Array.from({ length: size }, value)),
    scalars: Array.from({ length: scalars }, value),
  };
}

interface Tally {
  verified: number;
  total: number;
}

async function checkRecipe(b: Backend, dt: FloatDType, tol: Tolerance, recipe: Recipe, tally: Tally): Promise<void> {
  const program = buildProgram(recipe);
  const host = recipe.groups.map((g, gi) => groupData(g.seed + gi, recipe.inputs, recipe.scalars, sizeOf(g.shape)));
  const groups: ProgramGroup<Tensor>[] = recipe.groups.map((g, gi) => ({
    inputs: host[gi].inputs.map((d) => b.tensor(d, g.shape, dt)),
    scalars: host[gi].scalars,
  }));
  const inPlace = recipe.inPlace;
  let outs: Tensor[][] | undefined;
  try {
    outs = b.runProgram(program, groups, { inPlace });
    const label = (gi: number) =>
      `program ${JSON.stringify(program)}\ngroup ${gi} of shape [${recipe.groups[gi].shape.join(', ')}], ${dt}, inPlace ${JSON.stringify(inPlace)}`;
    for (let gi = 0; gi < groups.length; gi++) {
      const g = groups[gi];
      const got = await Promise.all(outs[gi].map((t) => b.read(t)));
      outs[gi].forEach((t, o) => {
        expect(t.shape, `${label(gi)}: output ${o} shape`).toEqual(recipe.groups[gi].shape);
        expect(t.dtype, `${label(gi)}: output ${o} dtype`).toBe(dt);
        const ix = inPlace[o];
        if (ix !== undefined && t === g.inputs[ix]) {
          expect(
            b.capabilities.programs && b.capabilities.inPlace,
            `${label(gi)}: only a backend that compiles programs writes in place`,
          ).toBe(true);
        } else {
          expect(g.inputs.includes(t), `${label(gi)}: output ${o} is a new tensor`).toBe(false);
        }
      });
      // inputs not overwritten keep their values
      for (let ti = 0; ti < g.inputs.length; ti++) {
        if (outs[gi].includes(g.inputs[ti]) && inPlace.includes(ti)) continue;
        const now = await b.read(g.inputs[ti]);
        expect([...now], `${label(gi)}: input ${ti} is left as it was`).toEqual(
          host[gi].inputs[ti].map((v) => (dt === 'float32' ? Math.fround(v) : v)),
        );
      }
      const n = sizeOf(recipe.groups[gi].shape);
      for (let i = 0; i < n; i++) {
        const want = referenceProgramElement(
          program,
          host[gi].inputs.map((d) => d[i]),
          host[gi].scalars,
          dt,
          tol,
        );
        want.forEach((w, o) => {
          tally.total++;
          const ok = admissible(got[o][i], w);
          if (ok === undefined) return;
          tally.verified++;
          if (!ok) {
            const inputs = host[gi].inputs.map((d) => d[i]);
            throw new Error(
              `${label(gi)}: output ${o} element ${i} is ${got[o][i]}, expected ${w.nan === 'yes' ? 'NaN' : `${w.value} (admissible [${w.lo}, ${w.hi}])`} for inputs [${inputs.join(', ')}] and scalars [${host[gi].scalars.join(', ')}]`,
            );
          }
        });
      }
    }
  } finally {
    const all = new Set<Tensor>();
    for (const g of groups) for (const t of g.inputs) all.add(t);
    for (const os of outs ?? []) for (const t of os) all.add(t);
    b.dispose([...all]);
  }
}

/**
 * Every elementwise op inside a program, on special operands: each unary op on NaN, ±∞, ±0, ±1,
 * ±0.5, 2 and 3, each binary op on every pair of NaN, ±∞, 0, ±1, ±2, ±0.5, ±3 and 2.5 (`pow`'s C99
 * special values included). A backend that compiles programs has its own code for every op
 * (generated WebAssembly, JavaScript or WGSL), which must give the primitives' special values.
 * Operands are exact, so the program reference verifies every element but those it cannot
 * (`sin(∞)` is NaN or not by the library).
 */
async function checkSpecialPrograms(b: Backend, dt: FloatDType, tol: Tolerance): Promise<void> {
  const unaryValues = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1, -1, 0.5, -0.5, 2, 3];
  const V = POW_SPECIAL_VALUES;
  const as = V.flatMap((a) => V.map(() => a));
  const bs = V.flatMap(() => V);
  /** A program of one op over `n` tensor inputs. */
  const oneOp = (n: number, node: ProgramNode): ElementwiseProgram => ({
    inputs: n,
    scalars: 0,
    nodes: [...Array.from({ length: n }, (_, index): ProgramNode => ({ op: 'input', index })), node],
    outputs: [n],
  });
  const programs: [string, ElementwiseProgram, number[][]][] = [
    ...UNARY_OPS.map((fn): [string, ElementwiseProgram, number[][]] => [fn, oneOp(1, { op: 'unary', fn, x: 0 }), [unaryValues]]),
    ...BINARY_OPS.map((fn): [string, ElementwiseProgram, number[][]] => [fn, oneOp(2, { op: 'binary', fn, a: 0, b: 1 }), [as, bs]]),
  ];
  const bad: string[] = [];
  for (const [fn, program, data] of programs) {
    const inputs = data.map((d) => b.tensor(d, [d.length], dt));
    try {
      const [[out]] = b.runProgram(program, [{ inputs, scalars: [] }]);
      const got = await b.read(out);
      out.dispose();
      for (let i = 0; i < data[0].length; i++) {
        const xs = data.map((d) => d[i]);
        const want = referenceProgramElement(program, xs, [], dt, tol)[0];
        if (admissible(got[i], want) === false)
          bad.push(`${fn}(${xs.join(', ')}) = ${got[i]}, want ${want.nan === 'yes' ? 'NaN' : want.value}`);
      }
    } finally {
      b.dispose(inputs);
    }
  }
  expect(bad, `elementwise ops inside programs (${dt})`).toEqual([]);
}

/**
 * Elementwise programs: fast-check generates random DAGs of the elementwise ops (unary, binary,
 * compare with where, scalars, consts; up to three outputs), random shapes (empty and rank 0
 * included) and values (with ties, so comparisons meet equality), several groups per call, each
 * output written in place or not, and checks `runProgram`'s results against a float64 JavaScript
 * evaluation of the program (`referenceProgramElement`, independent of every backend), within the
 * interval each op's rounding admits. Inputs not overwritten must keep their values; an in-place
 * output must be the input's handle, and only where the backend compiles programs and writes in
 * place. Bounded: a fixed seed per dtype and a fixed number of runs.
 */
export function programCases(numRuns = 60): CheckCase[] {
  const id = 'programs/random DAGs';
  return [
    {
      id: 'programs/special values of every op (pow: C99)',
      perDType: true,
      check: (ctx: CheckContext, dt: FloatDType) =>
        expectNoLeak(ctx, 'programs/special values', () => checkSpecialPrograms(ctx.backend, dt, ctx.tolerance[dt])),
    },
    {
      id,
      perDType: true,
      check: (ctx: CheckContext, dt: FloatDType) =>
        expectNoLeak(ctx, id, async () => {
          const tally: Tally = { verified: 0, total: 0 };
          const tol = ctx.tolerance[dt];
          await fc.assert(
            fc.asyncProperty(recipeArb, (r) => checkRecipe(ctx.backend, dt, tol, r, tally)),
            { numRuns, seed: hashString(`${id}@${dt}`), endOnFailure: true, includeErrorInReport: true },
          );
          // the intervals must leave most elements verifiable, or the check says little
          expect(tally.verified, `${id}: verified ${tally.verified} of ${tally.total} elements`).toBeGreaterThan(tally.total * 0.6);
        }),
    },
  ];
}
