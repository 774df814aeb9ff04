// The small case shared by the value tests (optimizers/values.test.ts, values-classics.test.ts): w₀ = [1, −0.5],
// gradients g₁ = [0.2, −0.4], g₂ = [0.1, 0.3], g₃ = [−0.3, 0.2] repeating, η = 0.1, float64 on
// backend-cpu, and the one runner that steps a transformation through it.
import { cpu } from '@downhill/backend-cpu';
import { step } from '../step.js';
import { stateTensors } from '../tree.js';
import type { GradientTransformation, OptState, Params } from '../types.js';

/** The backend of the value tests. */
export const b = cpu();
/** The starting parameter. */
export const W0 = [1, -0.5];
/** The gradients, used in turn. */
export const G = [
  [0.2, -0.4],
  [0.1, 0.3],
  [-0.3, 0.2],
];
/** The learning rate of every row. */
export const lr = 0.1;

/** A vector of host numbers. */
export type Vec = number[];
/** Elementwise `f` over vectors of the same length. */
export const map = (f: (...xs: number[]) => number, ...vs: Vec[]): Vec => vs[0].map((_, i) => f(...vs.map((v) => v[i])));
/** A zero vector of the case's size. */
export const zeros = (): Vec => [0, 0];

/**
 * Steps `tx` through the case in place, `steps` times (gradient `G[t mod 3]` at step t + 1), and
 * returns w after each step; `fused` is passed to `step` when given. Releases everything it made.
 */
export function runCase(tx: GradientTransformation<any>, steps: number, fused?: boolean): Vec[] {
  let params: Params = { w: b.tensor(W0, [2], 'float64') };
  let state: OptState = tx.init(params);
  const out: Vec[] = [];
  for (let t = 0; t < steps; t++) {
    const g = b.tensor(G[t % 3], [2], 'float64');
    ({ params, state } = step(tx, params, { w: g }, state, { inPlace: true, ...(fused === undefined ? {} : { fused }) }));
    g.dispose();
    out.push(Array.from(b.readSync(params.w as never)));
  }
  b.dispose(stateTensors(params));
  b.dispose(stateTensors(state));
  return out;
}
