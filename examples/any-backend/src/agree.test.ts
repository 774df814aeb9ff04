import { getBackend } from '@downhill/backend';
import { describe, expect, it } from 'vitest';
import { train, trainOn } from './train.js';

/** Largest relative difference between two loss curves, step by step. */
function worst(a: number[], b: number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]) / Math.abs(b[i])));
}

describe('one training script, changed only in the backend name', () => {
  it('learns on backend-cpu', async () => {
    const losses = await trainOn('cpu');
    expect(losses).toHaveLength(100);
    expect(losses[99]).toBeLessThan(losses[0] / 5);
  });

  it('gives the same loss curve on backend-tfjs over wasm (relative 1e-3 at every step)', async () => {
    const reference = await trainOn('cpu');
    const wasm = await trainOn('tfjs-wasm');
    console.log(`tfjs-wasm vs cpu: worst relative difference ${worst(wasm, reference).toExponential(2)}`);
    expect(worst(wasm, reference)).toBeLessThan(1e-3);
  });

  it('gives the same loss curve on backend-webgpu (relative 1e-3 at every step)', async (ctx) => {
    let backend;
    try {
      backend = await getBackend('webgpu');
    } catch (e) {
      if (process.env.DOWNHILL_REQUIRE_WEBGPU === '1') throw e;
      console.log(`skipping the WebGPU curve: no adapter here (${(e as Error).message.split('\n')[0]})`);
      ctx.skip();
      return;
    }
    const reference = await trainOn('cpu');
    const gpu = await train(backend);
    console.log(`webgpu vs cpu: worst relative difference ${worst(gpu, reference).toExponential(2)}`);
    expect(worst(gpu, reference)).toBeLessThan(1e-3);
  }, 240_000);
});
