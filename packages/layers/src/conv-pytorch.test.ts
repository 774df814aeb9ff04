/**
 * Conv2D, Conv1D, MaxPool, AvgPool and GlobalAvgPool against PyTorch 1.13 (Debian's
 * python3-torch), torch.nn.functional in float64: strides, SAME / VALID / explicit padding,
 * dilation, groups and a depthwise convolution; outputs and the gradients of `Σ y·r` with respect
 * to the input, kernel and bias within 1e-10. The generator, `__fixtures__/pytorch/conv.py`,
 * permutes between PyTorch's channels-first layouts and downhill's channels-last ones.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpu } from '@downhill/backend-cpu';
import type { Padding, Tensor } from '@downhill/backend';
import { ops, valueAndGrad, type TensorLike } from '@downhill/autograd';
import { AvgPool, Conv1D, Conv2D, GlobalAvgPool, MaxPool, type Module, type Params } from './index.js';

interface Case {
  name: string;
  kind: 'conv1d' | 'conv2d' | 'maxpool' | 'avgpool' | 'globalavgpool';
  inChannels?: number;
  outChannels?: number;
  kernelSize?: number[];
  poolSize?: number[];
  strides?: number[];
  dilation?: number[];
  groups?: number;
  padding?: Padding;
  xShape: number[];
  x: number[];
  kernel?: number[];
  bias?: number[];
  yShape: number[];
  y: number[];
  r: number[];
  grads: { x: number[]; kernel?: number[]; bias?: number[] };
}

const fixture = JSON.parse(readFileSync(new URL('./__fixtures__/pytorch/conv.json', import.meta.url), 'utf8')) as {
  source: string;
  cases: Case[];
};
const b = cpu();
const read = (t: TensorLike) => Array.from(b.readSync(t as Tensor));

function expectClose(actual: number[], expected: number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const worst = Math.max(...actual.map((v, i) => Math.abs(v - expected[i]) / (1 + Math.abs(expected[i]))));
  expect(worst, `${what}: largest relative difference`).toBeLessThan(1e-10);
}

function build(c: Case): Module {
  const options = { strides: c.strides, padding: c.padding, dilation: c.dilation, groups: c.groups };
  switch (c.kind) {
    case 'conv2d':
      return new Conv2D(c.inChannels!, c.outChannels!, c.kernelSize!, options);
    case 'conv1d':
      return new Conv1D(c.inChannels!, c.outChannels!, c.kernelSize![0], options);
    case 'maxpool':
      return new MaxPool(c.poolSize!, { strides: c.strides, padding: c.padding });
    case 'avgpool':
      return new AvgPool(c.poolSize!, { strides: c.strides, padding: c.padding });
    case 'globalavgpool':
      return new GlobalAvgPool();
  }
}

describe(`convolution and pooling layers against ${fixture.source}`, () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const m = build(c).init(b, { seed: 0, dtype: 'float64' });
      const shapes = m.parameterShapes();
      if (c.kernel) {
        m.setParameters({ kernel: b.tensor(c.kernel, shapes.kernel, 'float64'), bias: b.tensor(c.bias!, shapes.bias, 'float64') });
      }
      const x = b.tensor(c.x, c.xShape, 'float64');
      const r = b.tensor(c.r, c.yShape, 'float64');
      const y = m.call(x);
      expect(y.shape).toEqual(c.yShape);
      expectClose(read(y), c.y, 'output');
      const [, [gp, gx]] = valueAndGrad((p: Params, xx: TensorLike) => ops.sum(ops.mul(m.apply(p, xx), r)), { argnums: [0, 1] })(
        m.parameters(),
        x,
      ) as [unknown, [Params, TensorLike]];
      expectClose(read(gx), c.grads.x, 'gradient of the input');
      if (c.kernel) {
        expectClose(read(gp.kernel as Tensor), c.grads.kernel!, 'gradient of the kernel');
        expectClose(read(gp.bias as Tensor), c.grads.bias!, 'gradient of the bias');
      }
    });
  }
});
