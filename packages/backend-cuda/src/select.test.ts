import './register.js';
import '@downhill/backend-webgpu/register';
import '@downhill/backend-tfjs/register';
import '@downhill/backend-cpu/register';
import { listBackends, selectBackend } from '@downhill/backend';
import { releaseWebGPU } from '@downhill/backend-webgpu';
import { afterAll, describe, expect, it } from 'vitest';

afterAll(() => releaseWebGPU());

// Every bundled backend registered at once: auto-selection takes CUDA where it loads, then WebGPU
// where an adapter exists, then the fastest CPU backend, and says what failed before its choice.
describe('auto-selection across the bundled backends', () => {
  it('ranks cuda, webgpu, cpu, tfjs-wasm, tfjs-cpu', () => {
    expect(listBackends()).toEqual(['cuda', 'webgpu', 'cpu', 'tfjs-wasm', 'tfjs-cpu']);
  });

  // First, while WebGPU is not yet set up, so the Dawn route named in the environment is tried.
  it('without CUDA or a WebGPU adapter, takes the fastest CPU backend and says why', async () => {
    process.env.DOWNHILL_WEBGPU_DAWN_BACKEND = 'd3d12';
    try {
      const sel = await selectBackend({ env: {} });
      expect(sel.name).toBe('cpu');
      expect(sel.tried.map((t) => t.name)).toEqual(['cuda', 'webgpu', 'cpu']);
      expect(sel.reason).toMatch(
        /^cpu \(.*\): the highest-priority backend that started here; tried first: cuda: cuda: @tensorflow\/tfjs-node-gpu is not installed.*; webgpu: webgpu: no WebGPU adapter/,
      );
    } finally {
      delete process.env.DOWNHILL_WEBGPU_DAWN_BACKEND;
    }
  });

  it('without CUDA, takes webgpu where a GPU adapter exists, and cpu over a software one', async (ctx) => {
    const sel = await selectBackend({ env: {} });
    if (sel.tried[1]?.error && process.env.DOWNHILL_REQUIRE_WEBGPU !== '1') {
      console.log(`skipping: no WebGPU adapter here (${sel.tried[1]?.error})`);
      ctx.skip();
    }
    if (sel.tried[1]?.demoted) {
      // Mesa's llvmpipe (CI, this machine): webgpu started, ranked itself below the CPU backends
      expect(sel.name).toBe('cpu');
      expect(sel.tried[0]).toEqual({ name: 'cuda', error: expect.stringContaining('CUDA 11.2, cuDNN 8.1') });
      expect(sel.reason).toMatch(
        /^cpu \(.*\): the highest-priority backend that started here; ranked below it: webgpu: a software adapter .*; tried first: cuda: /,
      );
      return;
    }
    expect(sel.name).toBe('webgpu');
    expect(sel.tried[0]).toEqual({ name: 'cuda', error: expect.stringContaining('CUDA 11.2, cuDNN 8.1') });
    expect(sel.reason).toMatch(/^webgpu \(.*\): the highest-priority backend that started here; tried first: cuda: /);
  });
});
