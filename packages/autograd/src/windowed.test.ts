/**
 * The windowed max's gradient on ties: each window's cotangent goes to the first of its maxima in
 * the window's row-major order, on every backend (backend-cpu in float32 and float64, backend-tfjs
 * on tfjs's cpu and wasm). Integer inputs in [−1, 1] make ties everywhere; windows overlap and
 * reach into padding. The expected gradient comes from a direct loop over the definition.
 */
import { reduceWindowParams, type Backend, type ReduceWindowOptions } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { tfjs } from '@downhill/backend-tfjs';
import { describe, expect, it } from 'vitest';
import { ops, vjp, type TensorLike } from './index.js';

const shape = [2, 5, 4, 3];
const options: ReduceWindowOptions = { windowShape: [1, 3, 2, 1], strides: [1, 2, 1, 1], padding: 'SAME' };
const x = Array.from({ length: 120 }, (_, i) => ((i * 7919) % 3) - 1);

/** The gradient of Σ ct·maxWindow(x) from the definition: first maximum in window order wins. */
function expected(ct: number[]): number[] {
  const { params: p, outShape } = reduceWindowParams(shape, options, 'test');
  const g = new Array<number>(x.length).fill(0);
  const at = (i: number[]) => ((i[0] * shape[1] + i[1]) * shape[2] + i[2]) * shape[3] + i[3];
  let q = 0;
  for (let n = 0; n < outShape[0]; n++)
    for (let h = 0; h < outShape[1]; h++)
      for (let w = 0; w < outShape[2]; w++)
        for (let c = 0; c < outShape[3]; c++, q++) {
          let best = -1;
          for (let kh = 0; kh < p.windowShape[1]; kh++)
            for (let kw = 0; kw < p.windowShape[2]; kw++) {
              const [i, j] = [h * p.strides[1] + kh - p.padding[1][0], w * p.strides[2] + kw - p.padding[2][0]];
              if (i < 0 || j < 0 || i >= shape[1] || j >= shape[2]) continue;
              const k = at([n, i, j, c]);
              if (best < 0 || x[k] > x[best]) best = k;
            }
          g[best] += ct[q];
        }
  return g;
}

async function gradientOn(b: Backend, dtype: 'float32' | 'float64'): Promise<number[]> {
  const xs = b.tensor(x, shape, dtype);
  const [y, pull] = vjp((t: TensorLike) => ops.reduceWindow('max', t, options), xs);
  const ct = b.tensor(
    Array.from({ length: y.size }, (_, i) => i + 1),
    y.shape,
    dtype,
  );
  const g = pull(ct);
  const out = Array.from(await g.read());
  b.dispose([xs, y, ct, g]);
  return out;
}

describe('windowed max on ties: the first maximum in window order, on every backend', () => {
  const ct = Array.from({ length: 2 * 3 * 4 * 3 }, (_, i) => i + 1);
  const want = expected(ct);
  it('backend-cpu float64 and float32', async () => {
    const b = cpu();
    expect(await gradientOn(b, 'float64')).toEqual(want);
    expect(await gradientOn(b, 'float32')).toEqual(want);
  });
  for (const tfBackend of ['cpu', 'wasm'] as const) {
    it(`backend-tfjs on tfjs-${tfBackend}`, async () => {
      const b = await tfjs({ tfBackend });
      expect(await gradientOn(b, 'float32')).toEqual(want);
    });
  }
});
