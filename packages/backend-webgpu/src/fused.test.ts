import { fusedStateCount, type Backend, type FusedHyperparameters, type FusedUpdateKind } from '@downhill/backend';
import { composedFusedUpdate, mulberry32 } from '@downhill/backend/conformance';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { fusedGrid } from './fused-dispatch.js';
import { webgpuForTests } from './test-helpers.js';

type Config = readonly [FusedUpdateKind, string, FusedHyperparameters[FusedUpdateKind]];

const sgd = (o: Partial<FusedHyperparameters['sgd']>) => ({ lr: 0.1, momentum: 0, dampening: 0, nesterov: 0, weightDecay: 0, ...o });
const adam = (o: Partial<FusedHyperparameters['adam']>) => ({ lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-8, epsRoot: 0, weightDecay: 0, step: 1, ...o });
const rms = (o: Partial<FusedHyperparameters['rmsprop']>) => ({ lr: 0.01, decay: 0.9, eps: 1e-8, epsInSqrt: 0, centered: 0, momentum: 0, ...o });

/** Every shader variant and every runtime flag of the WGSL kernels. */
const CONFIGS: readonly Config[] = [
  ['sgd', 'plain', sgd({})],
  ['sgd', 'weight decay', sgd({ weightDecay: 0.05 })],
  ['sgd', 'momentum and dampening', sgd({ momentum: 0.9, dampening: 0.2 })],
  ['sgd', 'nesterov with weight decay', sgd({ momentum: 0.8, nesterov: 1, weightDecay: 0.01 })],
  ['adam', 'defaults', adam({})],
  ['adam', 'AdamW decay and epsRoot', adam({ lr: 0.05, b1: 0.8, b2: 0.99, eps: 1e-6, epsRoot: 1e-8, weightDecay: 0.1 })],
  ['rmsprop', 'plain', rms({})],
  ['rmsprop', 'eps inside the root', rms({ epsInSqrt: 1, eps: 1e-3 })],
  ['rmsprop', 'centered', rms({ centered: 1, eps: 1e-3 })],
  ['rmsprop', 'momentum', rms({ momentum: 0.9 })],
  ['rmsprop', 'centered and momentum', rms({ centered: 1, momentum: 0.5, eps: 1e-3 })],
];

const STEPS = 5;

/** `STEPS` updates from seeded data, fused or composed; returns the final parameter and state on the host. */
async function run(b: Backend, dtype: 'float32' | 'float64', [kind, , hyper]: Config, shape: number[], how: 'fused' | 'composed'): Promise<number[][]> {
  const rand = mulberry32(7);
  const n = shape.reduce((a, c) => a * c, 1);
  const data = () => Array.from({ length: n }, () => Math.fround(2 * rand() - 1));
  let param = b.tensor(data(), shape, dtype);
  let state = Array.from({ length: fusedStateCount(kind, hyper) }, () => b.zeros(shape, dtype));
  for (let t = 1; t <= STEPS; t++) {
    const grad = b.tensor(data(), shape, dtype);
    const h = kind === 'adam' ? { ...hyper, step: t } : hyper;
    const r = how === 'fused' ? b.fusedUpdate(kind, { param, grad, state }, h) : composedFusedUpdate(b, kind, param, grad, state, h);
    b.dispose([param, grad, state]);
    param = r.param;
    state = r.state;
  }
  const out = await Promise.all([param, ...state].map(async (t) => [...(await t.read())]));
  b.dispose([param, state]);
  return out;
}

function expectClose(got: number[][], want: number[][], rtol: number, atol: number, label: string): void {
  expect(got.length, label).toBe(want.length);
  got.forEach((g, k) =>
    g.forEach((v, i) => {
      const w = want[k][i];
      if (!(Math.abs(v - w) <= atol + rtol * Math.abs(w))) {
        throw new Error(`${label}: tensor ${k} element ${i}: got ${v}, want ${w} (|diff| ${Math.abs(v - w).toExponential(2)})`);
      }
    }),
  );
}

const { backend, reason } = await webgpuForTests();

describe.skipIf(!backend)(`fused WGSL updates${backend ? '' : ` [skipped: ${reason}]`}`, () => {
  const b = backend!;
  const reference = cpu();

  it('are declared, not in place', () => {
    expect([...b.capabilities.fusedUpdates].sort()).toEqual(['adam', 'rmsprop', 'sgd']);
    expect(b.capabilities.inPlace).toBe(false);
    expect(b.capabilities.syncRead).toBe(false);
  });

  describe.each(CONFIGS)('%s (%s)', (...config) => {
    it('equal the composed path on the GPU within float32 rounding', async () => {
      const fused = await run(b, 'float32', config, [3, 5], 'fused');
      const composed = await run(b, 'float32', config, [3, 5], 'composed');
      expectClose(fused, composed, 1e-5, 1e-6, `${config[0]} ${config[1]}`);
    });
    it('follow the float64 reference of @downhill/backend/fused within float32 tolerance', async () => {
      const fused = await run(b, 'float32', config, [3, 5], 'fused');
      const want = await run(reference, 'float64', config, [3, 5], 'composed');
      expectClose(fused, want, 1e-5, 1e-6, `${config[0]} ${config[1]} vs cpu float64`);
    });
  });

  it('cover tensors of many workgroups (100,003 elements, not a multiple of 64)', async () => {
    const config = CONFIGS[5];
    const fused = await run(b, 'float32', config, [100_003], 'fused');
    const want = await run(reference, 'float64', config, [100_003], 'composed');
    expectClose(fused, want, 1e-5, 1e-6, 'adam on 100,003 elements');
  });

  it('leave their inputs as they were', async () => {
    const p = b.tensor([1, -2, 3], [3]);
    const g = b.tensor([0.5, 0.5, -1], [3]);
    const m = b.tensor([0.1, 0.2, 0.3], [3]);
    const v = b.tensor([0.01, 0.02, 0.03], [3]);
    const r = b.fusedUpdate('adam', { param: p, grad: g, state: [m, v] }, adam({ lr: 0.1, step: 3 }));
    expect([...(await p.read())]).toEqual([1, -2, 3]);
    expect([...(await m.read())]).toEqual([...new Float32Array([0.1, 0.2, 0.3])]);
    expect([...(await v.read())]).toEqual([...new Float32Array([0.01, 0.02, 0.03])]);
    expect([...(await r.param.read())]).not.toEqual([1, -2, 3]);
    b.dispose([p, g, m, v, r.param, r.state]);
  });

  it('handle empty tensors', async () => {
    const p = b.zeros([0, 3]);
    const r = b.fusedUpdate('sgd', { param: p, grad: b.zeros([0, 3]), state: [b.zeros([0, 3])] }, sgd({ momentum: 0.9 }));
    expect(r.param.shape).toEqual([0, 3]);
    expect(r.state[0].shape).toEqual([0, 3]);
    expect((await r.param.read()).length).toBe(0);
    b.dispose([p, r.param, r.state]);
  });
});

describe('fusedGrid', () => {
  it.each([
    [1, 65535, [1, 1]],
    [64, 65535, [1, 1]],
    [65, 65535, [2, 1]],
    [64 * 65535, 65535, [65535, 1]],
    [64 * 65535 + 1, 65535, [32768, 2]],
    [64 * 10 + 1, 4, [4, 3]],
  ])('%d elements with at most %d workgroups a row give %j', (n, maxX, want) => {
    const [x, y] = fusedGrid(n, maxX);
    expect([x, y]).toEqual(want);
    expect(x).toBeLessThanOrEqual(maxX);
    expect(x * y * 64).toBeGreaterThanOrEqual(n);
  });
});
