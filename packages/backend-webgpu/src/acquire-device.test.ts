/// <reference types="@webgpu/types" />
import { BackendUnavailableError } from '@downhill/backend';
import { describe, expect, it } from 'vitest';
import { acquireDevice } from './acquire-device.js';
import { optionsFromEnv } from './env-options.js';
import { defaultDawnRoutes, describeRoute } from './gpu-route.js';

describe('defaultDawnRoutes', () => {
  it.each([
    ['linux', true, ['Dawn vulkan (core)', 'Dawn opengles (compatibility)']],
    ['linux', false, ['Dawn opengles (compatibility)']],
    ['darwin', false, ['Dawn metal (core)']],
    ['win32', true, ['Dawn d3d12 (core)']],
  ] as const)('%s with a Vulkan driver %s: %j', (platform, vulkan, want) => {
    expect(defaultDawnRoutes(platform, vulkan).map(describeRoute)).toEqual(want);
  });
});

describe('optionsFromEnv', () => {
  it.each([
    [{}, { dawnBackend: undefined, featureLevel: undefined }],
    [{ DOWNHILL_WEBGPU_DAWN_BACKEND: 'vulkan' }, { dawnBackend: 'vulkan', featureLevel: undefined }],
    [
      { DOWNHILL_WEBGPU_DAWN_BACKEND: 'opengles', DOWNHILL_WEBGPU_FEATURE_LEVEL: 'compatibility' },
      { dawnBackend: 'opengles', featureLevel: 'compatibility' },
    ],
  ])('%j', (env, want) => {
    expect(optionsFromEnv(env)).toEqual(want);
  });
  it.each([
    [{ DOWNHILL_WEBGPU_DAWN_BACKEND: 'cuda' }, /DOWNHILL_WEBGPU_DAWN_BACKEND is 'cuda', expected one of vulkan, opengles/],
    [{ DOWNHILL_WEBGPU_FEATURE_LEVEL: 'full' }, /DOWNHILL_WEBGPU_FEATURE_LEVEL is 'full', expected core or compatibility/],
  ])('refuses %j', (env, message) => {
    expect(() => optionsFromEnv(env)).toThrow(message);
  });
});

/** A `GPU` whose `requestAdapter` gives what `adapter` says, recording the options it got. */
function fakeGpu(adapter: () => Promise<GPUAdapter | null>, calls: unknown[] = []): GPU {
  return {
    requestAdapter: (o?: unknown) => {
      calls.push(o);
      return adapter();
    },
    getPreferredCanvasFormat: () => 'bgra8unorm',
    wgslLanguageFeatures: new Set(),
  } as unknown as GPU;
}

describe('acquireDevice without an adapter', () => {
  it('names the feature levels tried on a GPU that gives no adapter', async () => {
    const calls: unknown[] = [];
    const err = await acquireDevice({ gpu: fakeGpu(async () => null, calls) }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.message).toMatch(
      /navigator\.gpu gave no adapter \(tried navigator\.gpu \(core\): no adapter; navigator\.gpu \(compatibility\): no adapter\)/,
    );
    expect(calls).toEqual([
      { powerPreference: 'high-performance', featureLevel: 'core' },
      { powerPreference: 'high-performance', featureLevel: 'compatibility' },
    ]);
  });

  it('reports a failing requestAdapter with its message', async () => {
    const err = await acquireDevice({
      gpu: fakeGpu(async () => Promise.reject(new Error('GPU process crashed'))),
      featureLevel: 'core',
    }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.message).toContain('navigator.gpu (core): requestAdapter failed: GPU process crashed');
  });

  it('names the Dawn route tried in Node and what to install', async () => {
    const err = await acquireDevice({ dawnBackend: 'd3d12' }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.message).toMatch(/no WebGPU adapter in Node through Dawn \(tried Dawn d3d12 \(core\): /);
    expect(err.message).toContain('apt-get install libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri');
  });
});
