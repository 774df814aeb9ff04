/**
 * Unknown options are errors: one row per exported function of the package and of its `ops`
 * namespace (see the optimizers' options.test.ts). A row either calls the function with a key it
 * does not take (the call must throw UnknownOptionError naming the valid keys) or says why the
 * function has no options object. A new export without a row fails the last tests.
 */
import { UnknownOptionError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';
import type { TensorLike } from './index.js';

const b = cpu();
const BAD = { notAnOption: 1 } as never;
const x = () => b.tensor([0.5, -1, 2, 0.25], [2, 2], 'float64');
const f = (t: TensorLike) => api.ops.sum(api.ops.square(t));

type Row = (() => unknown) | `no options: ${string}`;

const ROWS: Record<string, Row> = {
  grad: () => api.grad(f, BAD),
  valueAndGrad: () => api.valueAndGrad(f, BAD),
  vjp: 'no options: (f, primals)',
  hvp: 'no options: (f, params, v)',
  hessian: 'no options: (f, x)',
  detach: 'no options: (x)',
  noGrad: 'no options: (fn)',
  Traced: 'no options: a class made by tracing, not by users',
  isTensorLike: 'no options: (x)',
  flattenTree: 'no options: (tree)',
  mapTree: 'no options: (tree, fn)',
  GradCheckError: 'no options: an error class',
  checkGrads: () => api.checkGrads(f, x(), BAD),
  checkpoint: 'no options: (f)',
  customVjp: () =>
    api.customVjp(
      (t) => [t, undefined],
      (_, ct) => [ct],
      BAD,
    ),
};

const OPS_WITH_OPTIONS: Record<string, () => unknown> = {
  sum: () => api.ops.sum(x(), BAD),
  max: () => api.ops.max(x(), BAD),
  min: () => api.ops.min(x(), BAD),
  mean: () => api.ops.mean(x(), BAD),
  l1Norm: () => api.ops.l1Norm(x(), BAD),
  l2Norm: () => api.ops.l2Norm(x(), BAD),
  logSumExp: () => api.ops.logSumExp(x(), BAD),
  variance: () => api.ops.variance(x(), BAD),
  std: () => api.ops.std(x(), BAD),
  softmax: () => api.ops.softmax(x(), BAD),
  logSoftmax: () => api.ops.logSoftmax(x(), BAD),
  leakyRelu: () => api.ops.leakyRelu(x(), BAD),
  elu: () => api.ops.elu(x(), BAD),
  gelu: () => api.ops.gelu(x(), BAD),
  iota: () => api.ops.iota(b, 3, BAD),
  oneHot: () => api.ops.oneHot(b.tensor([0, 1], [2], 'int32'), 3, BAD),
  matmul: () => api.ops.matmul(x(), x(), BAD),
  conv: () => api.ops.conv(b.zeros([1, 3, 1], 'float64'), b.zeros([2, 1, 1], 'float64'), BAD),
  reduceWindow: () => api.ops.reduceWindow('sum', b.zeros([1, 3, 1], 'float64'), { windowShape: [2], ...(BAD as object) } as never),
};

/** Every other op takes positional arguments only (an axis, shapes, operands); none takes an options object. */
const OPS_WITHOUT_OPTIONS = 'no options: positional operands, axes and shapes only';

async function thrown(row: () => unknown): Promise<unknown> {
  try {
    await row();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('unknown options are errors', () => {
  for (const [name, row] of [...Object.entries(ROWS), ...Object.entries(OPS_WITH_OPTIONS).map(([k, r]) => [`ops.${k}`, r] as const)]) {
    if (typeof row !== 'function') continue;
    it(`${name} rejects an unknown key with UnknownOptionError naming the valid keys`, async () => {
      const err = await thrown(row);
      expect(err, `${name} accepted { notAnOption: 1 }`).toBeInstanceOf(UnknownOptionError);
      expect((err as Error).message).toMatch(new RegExp(`${name.replace('ops.', '')}: unknown option 'notAnOption'.* takes `));
    });
  }

  it('suggests the nearest key', async () => {
    expect(() => api.grad(f, { argnum: 0 } as never)).toThrow(/'argnum' \(did you mean 'argnums'\?\)/);
    expect(() => api.valueAndGrad(f, { has_aux: true } as never)).toThrow(/'has_aux' \(did you mean 'hasAux'\?\)/);
    expect(() => api.ops.sum(x(), { axes: 0 } as never)).toThrow(/'axes' \(did you mean 'axis'\?\)/);
    expect(() => api.ops.matmul(x(), x(), { transpose_b: true } as never)).toThrow(/did you mean 'transposeB'/);
    expect(() => api.ops.variance(x(), { keepdims: true } as never)).toThrow(/did you mean 'keepDims'/);
    const err = await thrown(() => api.checkGrads(f, x(), { tol: 1e-3 } as never));
    expect(err).toBeInstanceOf(UnknownOptionError);
    expect((err as Error).message).toMatch(/checkGrads takes order, eps, rtol, atol, dtype, throwOnFailure/);
  });

  it('a failed call leaves its operands alive and unchanged', () => {
    const t = x();
    expect(() => api.ops.softmax(t, { dim: 0 } as never)).toThrow(UnknownOptionError);
    expect(Array.from(b.readSync(t))).toEqual([0.5, -1, 2, 0.25]);
  });

  it('every exported function or class has a row', () => {
    const fns = Object.keys(api).filter((k) => k !== 'ops' && typeof (api as Record<string, unknown>)[k] === 'function');
    expect(fns.filter((k) => !(k in ROWS))).toEqual([]);
  });

  it('every op that takes an options object has a row, and the others take none', () => {
    const all = Object.keys(api.ops).filter((k) => typeof (api.ops as Record<string, unknown>)[k] === 'function');
    const rest = all.filter((k) => !(k in OPS_WITH_OPTIONS));
    // An op taking an options object names it (or destructures it) in its parameter list; those
    // outside OPS_WITH_OPTIONS must take positional arguments only.
    for (const k of rest) {
      const src = String((api.ops as Record<string, unknown>)[k]);
      const params = src.slice(0, src.indexOf(')') + 1);
      expect(params, `ops.${k}: ${OPS_WITHOUT_OPTIONS}`).not.toMatch(/options|\{/i);
    }
    expect(rest.length + Object.keys(OPS_WITH_OPTIONS).length).toBe(all.length);
  });
});
