import type { Backend, Tensor } from '@downhill/backend';
import type { Params } from '../types.js';

/**
 * A test problem for optimizers: a loss over a named parameter tree with its analytic gradient,
 * computed on any backend with the primitives of the interface.
 */
export interface TestProblem {
  /** `quadratic` or `rosenbrock`. */
  readonly name: string;
  /** The starting parameters (new tensors, yours). */
  init(backend: Backend): Params;
  /** The gradient at `params` (new tensors, yours). */
  grads(params: Params): Params;
  /** The loss at `params`, read back to the host. */
  loss(params: Params): Promise<number>;
  /** The loss at the minimum. */
  readonly minimum: number;
}

const leaf = (p: Params, key: string): Tensor => p[key] as Tensor;
const sub = (p: Params, key: string): Params => p[key] as Params;

/** Curvatures (condition number 20) and the minimiser of {@link quadraticProblem}, per element. */
const H = { w: [0.5, 1, 2, 4, 6, 10], b: [1, 3, 5] };
const C = { w: [1, -2, 0.5, 3, -1, 2], b: [-0.5, 0.25, 4] };
const START = { w: [0, 0, 0, 0, 0, 0], b: [2, -2, 0] };

/**
 * A convex quadratic over a nested tree `{ layer: { w: [2, 3] }, b: [3] }`, ill-conditioned
 * (curvatures from 0.5 to 10), minimum 0 at `c`:
 *
 * ```text
 * f(p) = ½ Σᵢ hᵢ (pᵢ − cᵢ)²,   ∇f = h ⊙ (p − c)
 * ```
 */
export const quadraticProblem: TestProblem = {
  name: 'quadratic',
  minimum: 0,
  init: (b) => ({ layer: { w: b.tensor(START.w, [2, 3]) }, b: b.tensor(START.b, [3]) }),
  grads(p) {
    const w = leaf(sub(p, 'layer'), 'w');
    const bias = leaf(p, 'b');
    const k = w.backend;
    return k.scope(() => ({
      layer: { w: k.mul(k.sub(w, k.tensor(C.w, [2, 3], w.dtype)), k.tensor(H.w, [2, 3], w.dtype)) },
      b: k.mul(k.sub(bias, k.tensor(C.b, [3], bias.dtype)), k.tensor(H.b, [3], bias.dtype)),
    }));
  },
  async loss(p) {
    const w = await leaf(sub(p, 'layer'), 'w').read();
    const bias = await leaf(p, 'b').read();
    let f = 0;
    for (let i = 0; i < 6; i++) f += 0.5 * H.w[i] * (w[i] - C.w[i]) ** 2;
    for (let i = 0; i < 3; i++) f += 0.5 * H.b[i] * (bias[i] - C.b[i]) ** 2;
    return f;
  },
};

/**
 * The Rosenbrock function over two scalars `{ x: [1], y: [1] }`, from the classic start
 * (−1.2, 1); non-convex, with a long curved valley; minimum 0 at (1, 1):
 *
 * ```text
 * f(x, y) = (1 − x)² + 100 (y − x²)²
 * ∂f/∂x = −2 (1 − x) − 400 x (y − x²),   ∂f/∂y = 200 (y − x²)
 * ```
 *
 * Rosenbrock, "An automatic method for finding the greatest or least value of a function" (1960).
 */
export const rosenbrockProblem: TestProblem = {
  name: 'rosenbrock',
  minimum: 0,
  init: (b) => ({ x: b.tensor([-1.2], [1]), y: b.tensor([1], [1]) }),
  grads(p) {
    const x = leaf(p, 'x');
    const y = leaf(p, 'y');
    const k = x.backend;
    return k.scope(() => {
      const r = k.sub(y, k.mul(x, x)); // y − x²
      const gx = k.sub(k.mul(k.sub(x, 1), 2), k.mul(k.mul(x, r), 400)); // 2(x − 1) − 400·x·r
      return { x: gx, y: k.mul(r, 200) };
    });
  },
  async loss(p) {
    const [x] = await leaf(p, 'x').read();
    const [y] = await leaf(p, 'y').read();
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
  },
};
