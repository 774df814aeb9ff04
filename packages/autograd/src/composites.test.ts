/**
 * The composites: values against plain-number references, gradients (first and second order)
 * against finite differences on random inputs, and numerical stability at extreme inputs.
 */
import type { Tensor } from '@downhill/backend';
import { cpu, erf } from '@downhill/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkGrads, grad, ops, type TensorLike } from './index.js';
import { expectClose } from './test-helpers.js';

const backend = cpu();
const t = (data: number[], shape?: number[]) => backend.tensor(data, shape ?? [data.length], 'float64');
const read = (x: TensorLike) => Array.from(backend.readSync(x as Tensor));

const sig = (v: number) => 1 / (1 + Math.exp(-v));
const softplusRef = (v: number) => Math.log1p(Math.exp(v));

/** Elementwise composites: the op, a reference on numbers, and whether it has a kink at 0. */
const ELEMENTWISE: { name: string; op: (x: TensorLike) => TensorLike; ref: (v: number) => number; kinks?: number[] }[] = [
  { name: 'sigmoid', op: ops.sigmoid, ref: sig },
  { name: 'logSigmoid', op: ops.logSigmoid, ref: (v) => Math.log(sig(v)) },
  { name: 'relu', op: ops.relu, ref: (v) => Math.max(v, 0), kinks: [0] },
  { name: 'leakyRelu', op: (x) => ops.leakyRelu(x, { alpha: 0.1 }), ref: (v) => (v > 0 ? v : 0.1 * v), kinks: [0] },
  { name: 'elu', op: (x) => ops.elu(x, { alpha: 1.5 }), ref: (v) => (v > 0 ? v : 1.5 * Math.expm1(v)), kinks: [0] },
  { name: 'gelu (erf)', op: ops.gelu, ref: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)) },
  {
    name: 'gelu (tanh)',
    op: (x) => ops.gelu(x, { approximate: true }),
    ref: (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
  },
  { name: 'softplus', op: ops.softplus, ref: softplusRef, kinks: [] },
  { name: 'silu', op: ops.silu, ref: (v) => v * sig(v) },
  { name: 'clip', op: (x) => ops.clip(x, -1, 0.5), ref: (v) => Math.min(Math.max(v, -1), 0.5), kinks: [-1, 0.5] },
  { name: 'square', op: ops.square, ref: (v) => v * v },
];

/** Composites over axes: the op and a reference on a [2, 3] row-major input. */
const rows = (d: number[]) => [d.slice(0, 3), d.slice(3, 6)];
const lse = (r: number[]) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
const meanOf = (r: number[]) => r.reduce((s, v) => s + v, 0) / r.length;
const varOf = (r: number[], ddof = 0) => r.reduce((s, v) => s + (v - meanOf(r)) ** 2, 0) / (r.length - ddof);
const AXES: { name: string; op: (x: TensorLike) => TensorLike; ref: (d: number[]) => number[] }[] = [
  { name: 'softmax', op: (x) => ops.softmax(x), ref: (d) => rows(d).flatMap((r) => r.map((v) => Math.exp(v - lse(r)))) },
  {
    name: 'softmax over axis 0',
    op: (x) => ops.softmax(x, { axis: 0 }),
    ref: (d) => d.map((v, k) => Math.exp(v - lse([d[k % 3], d[(k % 3) + 3]]))),
  },
  { name: 'logSoftmax', op: (x) => ops.logSoftmax(x), ref: (d) => rows(d).flatMap((r) => r.map((v) => v - lse(r))) },
  { name: 'logSumExp', op: (x) => ops.logSumExp(x, -1), ref: (d) => rows(d).map(lse) },
  { name: 'logSumExp of all', op: (x) => ops.logSumExp(x), ref: (d) => [lse(d)] },
  { name: 'mean', op: (x) => ops.mean(x), ref: (d) => [meanOf(d)] },
  { name: 'mean keepDims', op: (x) => ops.mean(x, { axis: 1, keepDims: true }), ref: (d) => rows(d).map(meanOf) },
  { name: 'variance', op: (x) => ops.variance(x, { axis: -1 }), ref: (d) => rows(d).map((r) => varOf(r)) },
  { name: 'variance ddof 1', op: (x) => ops.variance(x, { axis: -1, ddof: 1 }), ref: (d) => rows(d).map((r) => varOf(r, 1)) },
  { name: 'std', op: (x) => ops.std(x, { axis: 1 }), ref: (d) => rows(d).map((r) => Math.sqrt(varOf(r))) },
  { name: 'l2Norm', op: (x) => ops.l2Norm(x, { axis: -1 }), ref: (d) => rows(d).map((r) => Math.hypot(...r)) },
  { name: 'l1Norm', op: (x) => ops.l1Norm(x), ref: (d) => [d.reduce((s, v) => s + Math.abs(v), 0)] },
  { name: 'globalNorm', op: (x) => ops.globalNorm({ a: x, b: [ops.mul(x, 2)] }), ref: (d) => [Math.sqrt(5) * Math.hypot(...d)] },
  { name: 'sum keepDims', op: (x) => ops.sum(x, { axis: 0, keepDims: true }), ref: (d) => [0, 1, 2].map((j) => d[j] + d[j + 3]) },
  { name: 'sumTo', op: (x) => ops.sumTo(x, [1, 3]), ref: (d) => [0, 1, 2].map((j) => d[j] + d[j + 3]) },
  { name: 'vdot', op: (x) => ops.vdot(x, ops.square(x)), ref: (d) => [d.reduce((s, v) => s + v ** 3, 0)] },
  { name: 'stack/squeeze/expandDims', op: (x) => ops.squeeze(ops.stack([ops.expandDims(x, 0)], 1), 1), ref: (d) => d },
  { name: 'flatten', op: (x) => ops.flatten(x), ref: (d) => d },
];

const valuesArb = (n: number, kinks: number[] = []) =>
  fc.array(
    fc.double({ min: -3, max: 3, noNaN: true }).filter((v) => kinks.every((k) => Math.abs(v - k) > 0.05)),
    { minLength: n, maxLength: n },
  );

describe('composites', () => {
  describe('values', () => {
    const data = [-2.5, -0.7, 0.3, 1.2, 2.9, -0.01];
    for (const c of ELEMENTWISE) it(c.name, () => expectClose(read(c.op(t(data))), data.map(c.ref)));
    for (const c of AXES) it(c.name, () => expectClose(read(c.op(t(data, [2, 3]))), c.ref(data)));
    it('oneHot compares with an iota', () => {
      const y = ops.oneHot(backend.tensor([2, 0, 5], [3], 'int32'), 3, { dtype: 'float64' });
      expect(y.shape).toEqual([3, 3]);
      expect(read(y)).toEqual([0, 0, 1, 1, 0, 0, 0, 0, 0]);
    });
  });

  describe('gradients against finite differences (first and second order)', () => {
    for (const c of ELEMENTWISE) {
      it(c.name, async () => {
        await fc.assert(
          fc.asyncProperty(valuesArb(4, c.kinks ?? [0]), async (d) => {
            const x = t(d, [2, 2]);
            const w = t([0.7, -1.3, 0.4, 1.1], [2, 2]);
            await checkGrads((p: TensorLike) => ops.sum(ops.mul(c.op(p), w)), x, { order: 2, rtol: 1e-6, atol: 1e-7 });
            backend.dispose([x, w]);
          }),
          { numRuns: 20 },
        );
      });
    }
    for (const c of AXES) {
      it(c.name, async () => {
        await fc.assert(
          // Rows spread out and away from 0: std and norms are ill-conditioned near constant or zero rows.
          fc.asyncProperty(
            valuesArb(6, [0]).filter((d) => rows(d).every((r) => Math.max(...r) - Math.min(...r) > 0.3 && Math.hypot(...r) > 0.5)),
            async (d) => {
              const x = t(d, [2, 3]);
              const shape = c.op(x).shape;
              const w = t(
                Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => 0.5 + 0.3 * i),
                [...shape],
              );
              await checkGrads((p: TensorLike) => ops.sum(ops.mul(c.op(p), w)), x, { order: 2, rtol: 1e-6, atol: 1e-7 });
              backend.dispose([x, w]);
            },
          ),
          { numRuns: 20 },
        );
      });
    }
  });

  describe('stability at extreme inputs', () => {
    const big = [-800, -40, 0, 40, 800];
    it('sigmoid, logSigmoid and softplus stay finite with finite gradients', () => {
      expectClose(read(ops.sigmoid(t(big))), big.map(sig), 1e-15);
      expectClose(read(ops.softplus(t(big))), [0, softplusRef(-40), Math.LN2, 40 + softplusRef(-40), 800], 1e-15);
      expectClose(read(ops.logSigmoid(t(big))), [-800, -40 - softplusRef(-40), -Math.LN2, -softplusRef(-40), 0], 1e-15);
      for (const f of [ops.sigmoid, ops.softplus, ops.logSigmoid, ops.silu, ops.elu, ops.gelu]) {
        const g = read(grad((x: TensorLike) => ops.sum(f(x)))(t(big)));
        expect(g.every(Number.isFinite), `${f.name}: ${g}`).toBe(true);
      }
    });
    it('softmax, logSoftmax and logSumExp do not overflow', () => {
      expectClose(
        read(ops.softmax(t([1000, 1001, 999]))),
        [1, Math.E, 1 / Math.E].map((v) => v / (1 + Math.E + 1 / Math.E)),
        1e-15,
      );
      expectClose(read(ops.logSumExp(t([1000, 1000]))), [1000 + Math.LN2], 1e-15);
      expectClose(read(ops.logSoftmax(t([-1000, 0]))), [-1000, 0], 1e-15);
      expectClose(read(ops.logSumExp(t([-Infinity, 0]))), [0]);
      expect(read(ops.logSumExp(t([-Infinity, -Infinity])))).toEqual([-Infinity]);
      const g = read(grad((x: TensorLike) => ops.logSumExp(x))(t([1000, 1000])));
      expectClose(g, [0.5, 0.5]);
    });
    it('softplus is smooth at 0 to second order; elu takes the left derivative there', () => {
      const d1 = (f: (x: TensorLike) => TensorLike) => (x: TensorLike) => ops.sum(grad((y: TensorLike) => ops.sum(f(y)))(x));
      expectClose(read(grad((x: TensorLike) => ops.sum(ops.softplus(x)))(t([0]))), [0.5]);
      expectClose(read(grad(d1(ops.softplus))(t([0]))), [0.25]);
      expectClose(read(grad((x: TensorLike) => ops.sum(ops.elu(x, { alpha: 2 })))(t([0]))), [2]);
      expectClose(read(grad((x: TensorLike) => ops.sum(ops.elu(x)))(t([0]))), [1]);
    });
    it('relu, l2Norm and globalNorm have gradient 0 at 0 (not NaN)', () => {
      expect(read(grad((x: TensorLike) => ops.sum(ops.relu(x)))(t([0, 1])))).toEqual([0, 1]);
      expect(read(grad((x: TensorLike) => ops.l2Norm(x))(t([0, 0])))).toEqual([0, 0]);
      expect(read(grad((x: TensorLike) => ops.globalNorm({ x }))(t([0, 0])))).toEqual([0, 0]);
      expectClose(read(grad((x: TensorLike) => ops.l2Norm(x))(t([3, 4]))), [0.6, 0.8]);
    });
  });
});
