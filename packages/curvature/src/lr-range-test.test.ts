import { ops, type TensorLike } from '@downhill/autograd';
import { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { rng } from '@downhill/initializers';
import { adam, sgd } from '@downhill/optimizers';
import { describe, expect, it } from 'vitest';
import { lrRangeTest, type OptimizerLike } from './lr-range-test.js';
import { quadratic, smallModel, withSpectrum } from './test-helpers.js';

const b = cpu();

/** Every tensor of a tree as bytes, and every other leaf as it is, for a bitwise comparison. */
async function snapshot(tree: unknown): Promise<unknown> {
  if (tree instanceof Tensor) return [tree.dtype, [...tree.shape], Array.from(new Uint8Array((await tree.read()).slice().buffer))];
  if (Array.isArray(tree)) return Promise.all(tree.map(snapshot));
  if (tree && typeof tree === 'object')
    return Object.fromEntries(await Promise.all(Object.entries(tree).map(async ([k, v]) => [k, await snapshot(v)])));
  return tree;
}

describe('lrRangeTest', () => {
  // For gradient descent on a quadratic the loss can rise only once lr > 2/λmax; how soon after
  // depends on how much of the sharpest direction is left. A deterministic ramp all but annihilates
  // it where lr passes 1/λmax (each direction is multiplied by 1 − lr·λ), so from a generic start
  // the rise shows late; minibatch noise re-excites every direction, and then it shows at 2/λmax.
  const lambdas = [0.5, 1, 2, 3, 5, 8];
  const n = lambdas.length;
  const want = 2 / 8;
  const minLr = 1e-3;
  const maxLr = 10;
  const steps = 400;
  const ratio = (maxLr / minLr) ** (1 / (steps - 1)); // one step of the ramp

  it('puts the divergence of gradient descent at 2/λmax when the sharpest direction carries the loss, with either form of the optimizer', async () => {
    // A diagonal Hessian with the known spectrum, started exactly on the top eigenvector (the last
    // coordinate): the other coordinates stay exactly 0, and the loss is one exponential in lr.
    const diag = new Float64Array(n * n);
    lambdas.forEach((l, i) => (diag[i * n + i] = l));
    const q = quadratic(b, diag, n);
    const rows = Math.floor(n / 4);
    const start = { a: b.zeros([rows, 2], 'float64'), b: b.tensor([...new Array(n - rows * 2 - 1).fill(0), 1], [n - rows * 2], 'float64') };
    for (const optimizer of [(lr: (step: number) => number) => sgd(lr), sgd(1)] as (
      | OptimizerLike
      | ((lr: (step: number) => number) => OptimizerLike)
    )[]) {
      const got = await lrRangeTest((p: typeof q.params) => q.loss(p), start, optimizer, { minLr, maxLr, steps });
      console.log(
        `top direction: divergence at lr ${got.divergence?.lr.toPrecision(5)} (2/λmax = ${want}), stopped at step ${got.lrs.length} of ${steps}`,
      );
      expect(got.diverged).toBe(true);
      expect(got.divergence!.lr).toBeGreaterThanOrEqual(want);
      expect(got.divergence!.lr).toBeLessThanOrEqual(want * ratio);
      expect(got.lrs[0]).toBe(minLr);
      expect(got.lrs[1] / got.lrs[0]).toBeCloseTo(ratio, 12);
      // The smoothed curve is the bias-corrected moving average of the raw one.
      let avg = 0;
      got.losses.forEach((l, t) => {
        avg = 0.98 * avg + 0.02 * l;
        expect(got.smoothed[t]).toBeCloseTo(avg / (1 - 0.98 ** (t + 1)), 10);
      });
    }
    // From a generic start the divergence can only come later: 2/λmax is a lower bound.
    const rotated = quadratic(b, withSpectrum(lambdas, 7), n);
    const generic = await lrRangeTest((p: typeof rotated.params) => rotated.loss(p), rotated.params, sgd(1), { minLr, maxLr, steps });
    console.log(`generic start: divergence at lr ${generic.divergence?.lr.toPrecision(4)}`);
    expect(generic.divergence!.lr).toBeGreaterThanOrEqual(want);
  });

  it('puts the divergence of minibatch gradient descent on a noisy quadratic within 25% above 2/λmax, for three noise seeds', async () => {
    const A = b.tensor(withSpectrum(lambdas, 7), [n, n], 'float64');
    const key = rng(3);
    const params = { t: b.tensor(key.normal(n), [n], 'float64') };
    for (const seed of [1, 2, 3]) {
      // Each step's loss is ½(θ − c)ᵀA(θ − c) with a fresh centre c ~ N(0, 0.1²): a minibatch's view of the quadratic.
      const loss = (p: { t: TensorLike }, step: number) => {
        const e = ops.reshape(ops.sub(p.t, b.tensor(key.fold(seed).fold(step).normal(n, { std: 0.1 }), [n], 'float64')), [n, 1]);
        return ops.mul(ops.sum(ops.mul(e, ops.matmul(A, e))), 0.5);
      };
      const got = await lrRangeTest(loss, params, sgd(1), { minLr, maxLr, steps });
      console.log(
        `noisy quadratic, seed ${seed}: divergence at lr ${got.divergence?.lr.toPrecision(4)} = ${(got.divergence!.lr / want).toFixed(3)} × 2/λmax; minimum of the smoothed loss at ${got.minimum.lr.toPrecision(3)}`,
      );
      expect(got.divergence!.lr).toBeGreaterThanOrEqual(0.9 * want);
      expect(got.divergence!.lr).toBeLessThanOrEqual(1.25 * want);
    }
  });

  it('leaves the parameters and the optimizer state bitwise unchanged, and releases its tensors', async () => {
    const model = smallModel(b, 'float32');
    const tx = adam(1e-2);
    let state = tx.init(model.params as never);
    // Take a few real steps so the state holds nonzero moments and a count.
    for (let i = 0; i < 3; i++) {
      const { grad } = await import('@downhill/autograd');
      const g = grad(model.loss)(model.params);
      const [, next] = tx.update(g as never, state, model.params as never);
      b.dispose(g as never);
      state = next;
    }
    const before = { params: await snapshot(model.params), state: await snapshot(state) };
    const live = b.memory().tensors;
    const got = await lrRangeTest(
      (p: typeof model.params) => model.loss(p as never) as TensorLike,
      model.params,
      (lr) => adam(lr),
      { steps: 60, minLr: 1e-5, maxLr: 1, state },
    );
    expect(got.lrs.length).toBeGreaterThan(10);
    expect(await snapshot(model.params)).toEqual(before.params);
    expect(await snapshot(state)).toEqual(before.state);
    expect(b.memory().tensors).toBe(live);
  });

  it('refuses a bad ramp and a non-optimizer with typed errors', async () => {
    const model = smallModel(b, 'float64');
    await expect(lrRangeTest(model.loss as never, model.params, sgd(1), { minLr: 1, maxLr: 0.1 })).rejects.toThrow(/0 < minLr < maxLr/);
    await expect(lrRangeTest(model.loss as never, model.params, { init: 1 } as never)).rejects.toThrow(
      /optimizer must be \{ init, update \}/,
    );
    await expect(lrRangeTest(model.loss as never, model.params, sgd(1), { warmup: 3 } as never)).rejects.toThrow(/unknown option 'warmup'/);
  });
});
