/** Values of the transformations that the named-optimizer tables do not pin down on their own. */
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { stateTensors } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { adaptiveGradClip } from './adaptive-grad-clip.js';
import { addDecayedWeights } from './add-decayed-weights.js';
import { clipByBlockRms, scaleByParamBlockRms } from './block-rms.js';
import { clip } from './clip.js';
import { clipByGlobalNorm, globalNorm } from './clip-by-global-norm.js';
import { scale } from './scale.js';
import { scaleByLarsTrustRatio } from './scale-by-lars-trust-ratio.js';
import { scaleBySchedule } from './scale-by-learning-rate.js';
import { factoredDims } from './scale-by-factored-rms.js';
import { scaleByRss } from './scale-by-rss.js';
import { scaleByTrustRatio } from './scale-by-trust-ratio.js';

const b = cpu();
const t = (xs: number[], shape = [xs.length]) => b.tensor(xs, shape, 'float64');
const host = (x: unknown) => Array.from(b.readSync(x as never));

/** One update of a stateless-or-fresh transformation; returns the host updates by name. */
function once(tx: GradientTransformation<any>, grads: Params, params?: Params): Record<string, number[]> {
  const s = tx.init(params ?? grads);
  const [u, next] = tx.update(grads, s, params);
  const out = Object.fromEntries(Object.entries(u).map(([k, v]) => [k, host(v)]));
  b.dispose(stateTensors([u, s, next] as never));
  return out;
}

const close = (a: number[], e: number[]) => a.forEach((x, i) => expect(x).toBeCloseTo(e[i], 12));

describe('clipping', () => {
  it('clip bounds each element', () => {
    close(once(clip(0.5), { a: t([-2, 0.1, 3]) }).a, [-0.5, 0.1, 0.5]);
  });

  it('clipByGlobalNorm rescales all leaves together above the bound and leaves them below it', () => {
    // ‖[3, 4, 12]‖ = 13 → factor 6.5/13 = 0.5.
    const big = once(clipByGlobalNorm(6.5), { a: t([3, 4]), b: t([12]) });
    close(big.a, [1.5, 2]);
    close(big.b, [6]);
    const small = once(clipByGlobalNorm(20), { a: t([3, 4]), b: t([12]) });
    close(small.a, [3, 4]);
    const n = globalNorm({ a: t([3, 4]), b: t([12]) })!;
    expect(host(n)[0]).toBeCloseTo(13, 14);
    expect(once(clipByGlobalNorm(1), { z: t([0, 0]) }).z).toEqual([0, 0]);
  });

  it('adaptiveGradClip clips unit-wise against the parameter norms', () => {
    // Kernel [2, 2] (in, out): units are columns. p columns: [3, 4] (norm 5) and [0, 0] (norm → eps 1e-3).
    // λ = 0.1: max norms 0.5 and 1e-4. g columns: [0.3, 0.4] (norm 0.5: not < 0.5, so scaled by 0.5/0.5 = 1)
    // and [1, 0] (norm 1 → scaled to 1e-4).
    const p = { k: t([3, 0, 4, 0], [2, 2]) };
    const g = { k: t([0.3, 1, 0.4, 0], [2, 2]) };
    close(once(adaptiveGradClip(0.1), g, p).k, [0.3, 1e-4, 0.4, 0]);
    // Vectors: the whole tensor is one unit. ‖p‖ = 1, λ = 0.01: ‖g‖ = 0.005 < 0.01 passes.
    close(once(adaptiveGradClip(0.01), { v: t([0.003, 0.004]) }, { v: t([0.6, 0.8]) }).v, [0.003, 0.004]);
  });

  it('clipByBlockRms and scaleByParamBlockRms (Adafactor)', () => {
    // RMS([3, 4]) = √12.5 ≈ 3.5355 > 1: divided by it.
    close(once(clipByBlockRms(1), { a: t([3, 4]) }).a, [3 / Math.sqrt(12.5), 4 / Math.sqrt(12.5)]);
    close(once(clipByBlockRms(10), { a: t([3, 4]) }).a, [3, 4]);
    close(once(scaleByParamBlockRms(), { a: t([1, 1]) }, { a: t([0, 0]) }).a, [1e-3, 1e-3]);
    close(once(scaleByParamBlockRms(), { a: t([1, 1]) }, { a: t([2, -2]) }).a, [2, 2]);
  });
});

describe('weight decay and trust ratios', () => {
  const params = { dense: { kernel: t([1, 2]), bias: t([3]) }, norm: { scale: t([2]) } };
  const grads = { dense: { kernel: t([0.5, 0.5]), bias: t([1]) }, norm: { scale: t([1]) } };

  it.each([
    ['a predicate on the dotted name', (name: string) => name === 'dense.kernel'],
    ['a tree of booleans (with a prefix: norm)', { dense: { kernel: true, bias: false }, norm: false }],
  ])('addDecayedWeights with %s as its mask', (_, mask) => {
    const tx = addDecayedWeights(0.1, { mask });
    const [upd] = tx.update(grads, tx.init(params), params);
    close(host((upd.dense as Params).kernel), [0.6, 0.7]);
    close(host((upd.dense as Params).bias), [1]);
    close(host((upd.norm as Params).scale), [1]);
    b.dispose(stateTensors(upd));
  });

  it('addDecayedWeights needs params, and refuses a mask tree missing a parameter', () => {
    expect(() => addDecayedWeights(0.1).update(grads, {}, undefined)).toThrow(/needs the parameters/);
    expect(() => addDecayedWeights(0.1, { mask: { dense: { kernel: true } } }).update(grads, {}, params)).toThrow(
      /no boolean for parameter 'dense\.bias'/,
    );
  });

  it('scaleByTrustRatio scales by ‖p‖/‖u‖, and by 1 where a norm is zero', () => {
    const tx = scaleByTrustRatio();
    // ‖[3, 4]‖ = 5, ‖[0.6, 0.8]‖ = 1 → ratio 5.
    const [u] = tx.update({ a: t([0.6, 0.8]), z: t([1, 1]) }, {}, { a: t([3, 4]), z: t([0, 0]) });
    close(host(u.a), [3, 4]);
    close(host(u.z), [1, 1]);
  });

  it("scaleByLarsTrustRatio follows LARS's equation", () => {
    // p = [3, 4] (‖p‖ = 5), g = [0, 1] (‖g‖ = 1), β = 0.1, η = 0.01:
    // λ = 0.01·5/(1 + 0.5) = 1/30;  u = λ·(g + 0.1·p) = [0.3, 1.4]/30.
    const [u] = scaleByLarsTrustRatio({ trustCoefficient: 0.01, weightDecay: 0.1 }).update({ a: t([0, 1]) }, {}, { a: t([3, 4]) });
    close(host(u.a), [0.01, 1.4 / 30]);
  });
});

describe('scaling', () => {
  it('scale and scaleBySchedule (the schedule sees the step count)', () => {
    close(once(scale(-2), { a: t([1, 2]) }).a, [-2, -4]);
    const tx = scaleBySchedule((s) => s + 1);
    let state = tx.init({});
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      const g = { a: t([1]) };
      const [u, next] = tx.update(g, state);
      seen.push(host(u.a)[0]);
      state = next;
    }
    expect(seen).toEqual([1, 2, 3]);
  });

  it('scaleByRss with eps 0 and a zero accumulator gives zero, not NaN', () => {
    close(once(scaleByRss({ initialAccumulatorValue: 0, eps: 0 }), { a: t([0, 2]) }).a, [0, 1]);
  });

  it('factoredDims picks the two largest axes, and only above the size threshold', () => {
    expect(factoredDims([4, 8], true, 2)).toEqual([0, 1]);
    expect(factoredDims([8, 3, 4], true, 2)).toEqual([2, 0]);
    expect(factoredDims([8, 1], true, 2)).toBeUndefined();
    expect(factoredDims([8], true, 1)).toBeUndefined();
    expect(factoredDims([8, 8], false, 1)).toBeUndefined();
  });
});
