import './register.js';
import { BackendUnavailableError, getBackend, listBackends, selectBackend } from '@downhill/backend';
import { afterEach, describe, expect, it } from 'vitest';
import { cuda } from './cuda.js';
import { fakeTfjsNodeGpu, removeFakeTfjsNodeGpu } from './test-helpers.js';

/** Every requirement the message must name, so that a user knows what to install. */
const REQUIREMENTS = ['@tensorflow/tfjs-node-gpu@4.22.0', 'libtensorflow 2.9.1', 'CUDA 11.2', 'cuDNN 8.1', 'NVIDIA driver'];

function expectInstructions(err: unknown): void {
  expect(err).toBeInstanceOf(BackendUnavailableError);
  const message = (err as Error).message;
  for (const r of REQUIREMENTS) expect(message).toContain(r);
}

describe('without tfjs-node-gpu (as on this machine)', () => {
  it('imports, and registers cuda at priority 300 without loading anything', () => {
    expect(listBackends()[0]).toBe('cuda');
  });

  it('cuda() throws BackendUnavailableError with what to install and the underlying error', async () => {
    const err = await cuda().catch((e) => e);
    expectInstructions(err);
    expect(err.message).toMatch(
      /^cuda: @tensorflow\/tfjs-node-gpu is not installed \(it is an optional peer dependency of @downhill\/backend-cuda\)/,
    );
    expect(err.message).toMatch(/Underlying error: (Cannot find (package|module)|Could not resolve) .@tensorflow\/tfjs-node-gpu./);
    expect(err.cause).toBeInstanceOf(Error);
  });

  it('selecting it by name gives the typed error; auto-selection records it and moves on', async () => {
    const named = await selectBackend({ name: 'cuda' }).catch((e) => e);
    expectInstructions(named);
    const got = await getBackend('cuda').catch((e) => e);
    expectInstructions(got);
  });

  it('names a library that fails to load', async () => {
    const err = await cuda({
      load: () => Promise.reject(new Error('libcudnn.so.8: cannot open shared object file: No such file or directory')),
    }).catch((e) => e);
    expectInstructions(err);
    expect(err.message).toMatch(/^cuda: @tensorflow\/tfjs-node-gpu is installed but did not load/);
    expect(err.message).toContain('Underlying error: libcudnn.so.8: cannot open shared object file');
  });
});

describe('with a stand-in for tfjs-node-gpu', () => {
  afterEach(() => removeFakeTfjsNodeGpu());

  it('refuses a TensorFlow that found no CUDA device', async () => {
    const err = await cuda({ load: fakeTfjsNodeGpu({ isGPUPackage: true, isUsingGpuDevice: false }) }).catch((e) => e);
    expectInstructions(err);
    expect(err.message).toContain('started but runs on the CPU: TensorFlow found no CUDA device');
  });

  it('refuses the CPU build of tfjs-node', async () => {
    const err = await cuda({ load: fakeTfjsNodeGpu({ isGPUPackage: false, isUsingGpuDevice: false }) }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.message).toContain('the loaded package is the CPU build (@tensorflow/tfjs-node)');
  });

  it('runs on the CPU when asked to with requireGpu: false', async () => {
    const b = await cuda({ load: fakeTfjsNodeGpu({ isGPUPackage: true, isUsingGpuDevice: false }), requireGpu: false });
    expect(b.name).toBe('cuda');
  });

  it('refuses a package that registers no tensorflow backend with downhill’s tfjs-core', async () => {
    const err = await cuda({ load: async () => ({}) }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.message).toContain("registered no 'tensorflow' backend with the copy of @tensorflow/tfjs-core that downhill uses");
  });

  it('computes through the tensorflow backend when a GPU is in use', async () => {
    const b = await cuda({ load: fakeTfjsNodeGpu({ isGPUPackage: true, isUsingGpuDevice: true }) });
    expect(b.name).toBe('cuda');
    expect(b.capabilities.syncRead).toBe(true);
    const y = b.scope(() => b.matmul(b.tensor([1, 2, 3, 4], [2, 2]), b.tensor([5, 6, 7, 8], [2, 2])));
    expect([...b.readSync(y)]).toEqual([19, 22, 43, 50]);
    y.dispose();
  });
});
