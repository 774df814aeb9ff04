import '@downhill/backend-cpu/register';
import './register.js';
import { BackendUnavailableError, getBackend, listBackends, selectBackend } from '@downhill/backend';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseWebGPU, webgpuInfo } from './webgpu.js';

const require = process.env.DOWNHILL_REQUIRE_WEBGPU === '1';
afterAll(() => releaseWebGPU());

describe('@downhill/backend-webgpu/register', () => {
  it('registers webgpu above the CPU', () => {
    expect(listBackends().slice(0, 2)).toEqual(['webgpu', 'cpu']);
  });

  // Runs first: nothing is set up yet, so the route named in the environment is the one tried.
  it('falls back to the CPU, saying why, where the Dawn route gives no adapter', async () => {
    process.env.DOWNHILL_WEBGPU_DAWN_BACKEND = 'd3d12';
    try {
      const err = await getBackend('webgpu').catch((e) => e);
      expect(err).toBeInstanceOf(BackendUnavailableError);
      expect(err.message).toContain('Dawn d3d12 (core)');
      const sel = await selectBackend({ env: {} });
      expect(sel.name).toBe('cpu');
      expect(sel.tried[0]).toEqual({ name: 'webgpu', error: expect.stringContaining('no WebGPU adapter in Node through Dawn') });
      expect(sel.reason).toMatch(
        /^cpu \(TypeScript with WebAssembly.*\): the highest-priority backend that started here; tried first: webgpu: webgpu: no WebGPU adapter/,
      );
    } finally {
      delete process.env.DOWNHILL_WEBGPU_DAWN_BACKEND;
    }
  });

  it('selects webgpu where an adapter exists, and says so', async (ctx) => {
    const auto = await selectBackend({ env: {} });
    if (auto.tried[0]?.error && !require) {
      console.log(`skipping: no WebGPU adapter here (${auto.tried[0]?.error})`);
      ctx.skip();
    }
    // On a software adapter (Mesa's llvmpipe here) auto-selection prefers cpu: see quiet-stderr.test.ts.
    const sel = webgpuInfo(await getBackend('webgpu'))?.software
      ? { ...(await selectBackend({ name: 'webgpu' })), reason: auto.reason.replace(/^cpu .*ranked below it: (webgpu: .*)$/, '$1') }
      : auto;
    if (sel !== auto) {
      expect(auto.name).toBe('cpu');
      expect(sel.reason).toMatch(/^webgpu: a software adapter \(.*\), slower than the CPU backends \(priority 50 instead of 200\)$/);
      return;
    }
    expect(sel.name).toBe('webgpu');
    expect(sel.reason).toMatch(
      /^webgpu \(TensorFlow\.js WebGPU with generated WGSL programs\): the highest-priority backend that started here$/,
    );
    expect(webgpuInfo(sel.backend)?.route).toMatch(/^Dawn (vulkan \(core\)|opengles \(compatibility\))$/);
    const y = sel.backend.scope(() =>
      sel.backend.matmul(sel.backend.tensor([1, 2, 3, 4], [2, 2]), sel.backend.tensor([0, 1, 1, 0], [2, 2])),
    );
    expect([...(await y.read())]).toEqual([2, 1, 4, 3]);
    y.dispose();
  });

  it('honours DOWNHILL_BACKEND', async () => {
    const sel = await selectBackend({ env: { DOWNHILL_BACKEND: 'cpu' } });
    expect(sel.name).toBe('cpu');
    expect(sel.reason).toBe('cpu: named by DOWNHILL_BACKEND');
  });
});
