/**
 * `customVjp`: the backward half replaces the composed gradient (values checked against formulas
 * and finite differences), residuals reach it, higher orders differentiate it, no trace means no
 * backward, typed errors for every malformed half; and the softmax family recorded as one step
 * each agrees with its composed definition to the last bits float64 allows, first and second order.
 */
import { DTypeError, InvalidArgumentError, ShapeError, type Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { GradCheckError, checkGrads, customVjp, grad, hessian, hvp, noGrad, ops, valueAndGrad, type TensorLike } from './index.js';
import { expectClose } from './test-helpers.js';

const b = cpu();
const t = (data: number[], shape?: number[]) => b.tensor(data, shape ?? [data.length], 'float64');
const read = (x: TensorLike) => Array.from(b.readSync(x as Tensor));

/** Identity forward, gradient clipped to [−1, 1] (the TSDoc example). */
const clipGradient = customVjp(
  (x: TensorLike) => [x, undefined],
  (_, ct) => [ops.clip(ct, -1, 1)],
);

/** x·sin(y), with its gradient written by hand; `calls` counts the backward runs. */
let calls = 0;
const xSinY = customVjp(
  (x: TensorLike, y: TensorLike) => [ops.mul(x, ops.sin(y)), { x, y }],
  ({ x, y }, ct) => {
    calls++;
    return [ops.mul(ct, ops.sin(y)), ops.mul(ops.mul(ct, x), ops.cos(y))];
  },
);

/** x³, its gradient 3x²·ct written with differentiable ops (so it has a Hessian). */
const cube = customVjp(
  (x: TensorLike) => [ops.mul(ops.square(x), x), x],
  (x, ct) => [ops.mul(ct, ops.mul(3, ops.square(x)))],
);

describe('customVjp', () => {
  it('runs the backward half instead of differentiating the forward one', () => {
    const g = grad((x: TensorLike) => ops.sum(ops.mul(clipGradient(x), t([5, -5, 0.5]))))(t([1, -2, 0.25]));
    expect(read(g)).toEqual([1, -1, 0.5]); // composed: [5, -5, 0.5]
    const h = grad((x: TensorLike) => ops.sum(ops.mul(clipGradient(x), 0.5)))(t([1, -2]));
    expect(read(h)).toEqual([0.5, 0.5]); // within the clip: unchanged
  });

  it('gives the gradient of every argument, matching formulas and finite differences', async () => {
    const xs = [0.5, -1.5, 2];
    const ys = [0.3, 1.1, -0.7];
    const [gx, gy] = grad((x: TensorLike, y: TensorLike) => ops.sum(xSinY(x, y)), { argnums: [0, 1] })(t(xs), t(ys));
    expectClose(read(gx), ys.map(Math.sin));
    expectClose(
      read(gy),
      xs.map((x, i) => x * Math.cos(ys[i])),
    );
    await checkGrads((p: { x: TensorLike; y: TensorLike }) => ops.sum(ops.square(xSinY(p.x, p.y))), { x: t(xs), y: t(ys) });
  });

  it('is what checkGrads sees: a wrong backward half fails the check', async () => {
    const wrong = customVjp(
      (x: TensorLike) => [ops.exp(x), undefined],
      (_, ct) => [ops.mul(ct, 2)],
    );
    await expect(checkGrads((x: TensorLike) => ops.sum(wrong(x)), t([0.1, 0.2]))).rejects.toThrow(GradCheckError);
  });

  it('hands the residuals to the backward half, and runs it once per backward pass', () => {
    calls = 0;
    const [value, g] = valueAndGrad((x: TensorLike) => ops.sum(xSinY(x, t([Math.PI / 2, 0]))))(t([3, 4]));
    expect(read(value)).toEqual([3]);
    expectClose(read(g), [1, 0]);
    expect(calls).toBe(1);
  });

  it('leaves the backward half out where no gradient is taken', () => {
    calls = 0;
    expectClose(read(xSinY(t([2]), t([Math.PI / 6]))), [1]);
    const y = grad((x: TensorLike) => ops.sum(noGrad(() => xSinY(x, t([1])))))(t([1]));
    expect(read(y)).toEqual([0]);
    expect(calls).toBe(0);
  });

  it('differentiates the backward half again: Hessians and grad of grad', () => {
    const xs = [0.5, -1, 2];
    const H = hessian((x: TensorLike) => ops.sum(cube(x)), t(xs)) as Tensor;
    expectClose(
      read(H),
      [3, 0, 0, 0, 3, 0, 0, 0, 3].map((v, k) => (v === 0 ? 0 : 6 * xs[Math.floor(k / 3)])),
    );
    const second = grad((x: TensorLike) => ops.sum(grad((u: TensorLike) => ops.sum(cube(u)))(x)))(t(xs));
    expectClose(
      read(second),
      xs.map((x) => 6 * x),
    );
  });

  it('lets an outer differentiation see the forward half as ordinary ops', () => {
    // d/dy of [d/dx Σ x·sin(y)] = cos(y): the inner gradient sin(y) comes from the backward half,
    // the outer one differentiates it (its ops ran one level down, on the outer trace's values)
    const ys = [0.2, -0.4];
    const g = grad((y: TensorLike) => ops.sum(grad((x: TensorLike) => ops.sum(xSinY(x, y)))(t([1, 1]))))(t(ys));
    expectClose(read(g), ys.map(Math.cos));
  });

  it('releases what its halves made with the gradient call', () => {
    const before = b.memory().tensors;
    const x = t([1, 2, 3]);
    b.dispose(grad((u: TensorLike) => ops.sum(ops.mul(cube(u), xSinY(u, u))))(x));
    x.dispose();
    expect(b.memory().tensors).toBe(before);
  });

  it('refuses malformed halves with typed errors naming the function', () => {
    const x = t([1, 2]);
    const g = (f: (u: TensorLike) => TensorLike) => () => grad((u: TensorLike) => ops.sum(f(u)))(x);
    const noTuple = customVjp(
      (u: TensorLike) => u as never,
      () => [null],
      { name: 'noTuple' },
    );
    expect(g(noTuple)).toThrow(InvalidArgumentError);
    expect(g(noTuple)).toThrow(/noTuple: forward must return \[output, residuals\]/);
    const tooMany = customVjp(
      (u: TensorLike) => [u, undefined],
      (_, ct) => [ct, ct],
      { name: 'tooMany' },
    );
    expect(g(tooMany)).toThrow(/tooMany: backward must return one cotangent \(or null\) per argument, 1 in all; got 2/);
    const badShape = customVjp(
      (u: TensorLike) => [u, undefined],
      (_, ct) => [ops.sum(ct)],
      { name: 'badShape' },
    );
    expect(g(badShape)).toThrow(ShapeError);
    expect(g(badShape)).toThrow(/badShape: backward's cotangent 0 has shape \[\], but argument 0 has shape \[2\]/);
    const badDType = customVjp(
      (u: TensorLike) => [u, undefined],
      (_, ct) => [ops.cast(ct, 'float32')],
      { name: 'badDType' },
    );
    expect(g(badDType)).toThrow(DTypeError);
    const notTensor = customVjp(
      (u: TensorLike) => [u, undefined],
      () => [3 as never],
      { name: 'notTensor' },
    );
    expect(g(notTensor)).toThrow(/notTensor: backward's cotangent 0 must be a tensor or null, got number 3/);
    expect(() => clipGradient(2 as never)).toThrow(/argument 0\): expected a Tensor or a traced value, got number 2/);
    expect(() => customVjp(3 as never, () => [])).toThrow(/customVjp: expected a forward function, got number 3/);
    expect(() => customVjp((u: TensorLike) => [u, 0], 'no' as never)).toThrow(InvalidArgumentError);
    expect(b.readSync(x)).toEqual(new Float64Array([1, 2])); // the operand survives every failure
  });

  it('refuses a forward half that closes over a traced value it does not take as an argument', () => {
    const x = t([1, 2]);
    const w = t([3, 4]);
    const scaled = (v: TensorLike) =>
      customVjp(
        (u: TensorLike) => [ops.mul(u, v), undefined],
        (_, ct) => [ct],
        { name: 'scaled' },
      );
    expect(() => grad((v: TensorLike) => ops.sum(scaled(v)(x)))(w)).toThrow(
      /scaled: its output depends on a value of the enclosing differentiation/,
    );
    expect(() => grad((v: TensorLike) => ops.sum(scaled(v)(v)))(w)).toThrow(InvalidArgumentError);
  });

  it('passes no gradient to an argument whose cotangent is null, or that is a constant', () => {
    const firstOnly = customVjp(
      (u: TensorLike, v: TensorLike) => [ops.mul(u, v), v],
      (v, ct) => [ops.mul(ct, v), null],
    );
    const [gu, gv] = grad((u: TensorLike, v: TensorLike) => ops.sum(firstOnly(u, v)), { argnums: [0, 1] })(t([1, 2]), t([3, 4]));
    expect(read(gu)).toEqual([3, 4]);
    expect(read(gv)).toEqual([0, 0]);
  });
});

/** The composed definitions the softmax family had before it was recorded as one step each. */
const composed = {
  logSumExp: (x: TensorLike) => ops.log(ops.sum(ops.exp(x), { axis: -1, keepDims: true })),
  softmax: (x: TensorLike) => ops.div(ops.exp(x), ops.sum(ops.exp(x), { axis: -1, keepDims: true })),
  logSoftmax: (x: TensorLike) => ops.sub(x, ops.log(ops.sum(ops.exp(x), { axis: -1, keepDims: true }))),
};
const family = {
  logSumExp: (x: TensorLike) => ops.logSumExp(x, { axis: -1, keepDims: true }),
  softmax: (x: TensorLike) => ops.softmax(x),
  logSoftmax: (x: TensorLike) => ops.logSoftmax(x),
};

describe('the softmax family, recorded as one step each', () => {
  const xs = [0.3, -1.2, 2.5, 0.1, 1.7, -0.4];
  const weights = t([0.7, -0.2, 1.3, 0.4, -0.9, 0.25], [2, 3]);
  for (const name of Object.keys(family) as (keyof typeof family)[]) {
    const loss = (f: (x: TensorLike) => TensorLike) => (x: TensorLike) => ops.sum(ops.mul(ops.square(f(x)), weights));
    it(`${name}: value, gradient and Hessian-vector product equal the composed definition's (float64)`, () => {
      const x = t(xs, [2, 3]);
      expectClose(read(family[name](x)), read(composed[name](x)), 1e-14);
      expectClose(read(grad(loss(family[name]))(x)), read(grad(loss(composed[name]))(x)), 1e-13);
      const v = t([1, -0.5, 0.25, 2, 0, -1], [2, 3]);
      expectClose(read(hvp(loss(family[name]), x, v)), read(hvp(loss(composed[name]), x, v)), 1e-12);
    });
  }

  it('keeps large logits finite, first and second order', () => {
    const x = t([1000, -1000, 0, 1], [2, 2]);
    const g = grad((u: TensorLike) => ops.sum(ops.mul(ops.logSoftmax(u), t([1, 0, 0, 1], [2, 2]))))(x);
    expectClose(read(g), [0, 0, -1 / (1 + Math.E), 1 / (1 + Math.E)], 1e-15);
    const h = hvp((u: TensorLike) => ops.sum(ops.mul(ops.softmax(u), t([1, 0, 0, 1], [2, 2]))), x, t([1, 1, 1, 0], [2, 2]));
    expect(read(h).every(Number.isFinite)).toBe(true);
  });
});
