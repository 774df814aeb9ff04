import type { Backend, DType, TypedArray } from '@downhill/backend';
import { step } from '../step.js';
import { flatten, stateTensors, unflatten } from '../tree.js';
import type { GradientTransformation, OptState, Params, StateValue } from '../types.js';

/** Test problems with analytic gradients (the optimizers package never uses autograd). */
export interface Problem {
  readonly name: string;
  readonly x0: readonly number[];
  readonly minimum: readonly number[];
  loss(x: readonly number[]): number;
  grad(x: readonly number[]): number[];
}

/** f(x, y) = ½(x² + 10·y²): convex, condition number 10. */
export const quadratic: Problem = {
  name: 'quadratic diag(1, 10)',
  x0: [1, 1],
  minimum: [0, 0],
  loss: ([x, y]) => 0.5 * (x * x + 10 * y * y),
  grad: ([x, y]) => [x, 10 * y],
};

/** f(x, y) = (1 − x)² + 100·(y − x²)²: non-convex, a curved valley, minimum at (1, 1). */
export const rosenbrock: Problem = {
  name: 'rosenbrock',
  x0: [-1, 1],
  minimum: [1, 1],
  loss: ([x, y]) => (1 - x) ** 2 + 100 * (y - x * x) ** 2,
  grad: ([x, y]) => [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)],
};

/** Host copies of every tensor of a state or tree, with the numbers and strings as they are. */
export type HostState = unknown;

/** A deep host copy of a state: tensors become `{ data, shape, dtype }`. */
export function snapshot(b: Backend, state: StateValue | Params): HostState {
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if ('backend' in (v as object) && 'shape' in (v as object)) {
      const t = v as { shape: readonly number[]; dtype: DType };
      return { data: Array.from(b.readSync(v as never)), shape: [...t.shape], dtype: t.dtype };
    }
    if (Array.isArray(v)) return v.map(walk);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
  };
  return walk(state);
}

/** The state a snapshot describes, as new tensors on `b`. */
export function restore(b: Backend, host: HostState): StateValue {
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(walk);
    const r = v as Record<string, unknown>;
    if ('data' in r && 'shape' in r && 'dtype' in r && Object.keys(r).length === 3) {
      return b.tensor(r.data as number[], r.shape as number[], r.dtype as DType);
    }
    return Object.fromEntries(Object.entries(r).map(([k, x]) => [k, walk(x)]));
  };
  return walk(host) as StateValue;
}

/** Runs `steps` in-place steps on a problem from `x0`; returns the path of iterates (host). */
export function runProblem(
  b: Backend,
  tx: GradientTransformation<any>,
  problem: Problem,
  steps: number,
  { dtype = 'float64' as DType, fused = true } = {},
): { xs: number[][]; final: number[] } {
  let params: Params = { xy: b.tensor(problem.x0 as number[], [2], dtype) };
  let state: OptState = tx.init(params);
  const xs: number[][] = [];
  for (let i = 0; i < steps; i++) {
    const x = Array.from(b.readSync(params.xy as never));
    xs.push(x);
    const g = b.tensor(problem.grad(x), [2], dtype);
    ({ params, state } = step(tx, params, { xy: g }, state, { inPlace: true, fused }));
    g.dispose();
  }
  const final = Array.from(b.readSync(params.xy as never));
  b.dispose(stateTensors(params));
  b.dispose(stateTensors(state));
  return { xs, final };
}

/** The leaves of a tree as host arrays, by name. */
export function hostTree(b: Backend, tree: Params): Record<string, number[]> {
  return Object.fromEntries(flatten(tree).map(([n, t]) => [n, Array.from(b.readSync(t) as TypedArray)]));
}

/** A tree of new tensors from host arrays by dotted name. */
export function treeOf(
  b: Backend,
  values: Record<string, readonly number[]>,
  dtype: DType = 'float64',
  shapes: Record<string, number[]> = {},
): Params {
  return unflatten(Object.entries(values).map(([n, v]) => [n, b.tensor(v as number[], shapes[n] ?? [v.length], dtype)] as const));
}

/** A seeded pseudo-random generator (mulberry32) returning numbers in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
