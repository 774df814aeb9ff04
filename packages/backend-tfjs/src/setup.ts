import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, defineBackend, type Backend, checkOptions } from '@downhill/backend';
import { tfjsKernels, type TfjsKernelOptions, type TfjsKernels } from './tfjs-kernels.js';

/** The kernels behind each backend made by {@link createTfjsBackend}: how `fromTf` and `toTf` recognise them. */
export const TFJS_KERNELS = new WeakMap<Backend, TfjsKernels>();

/**
 * A downhill backend over an already set-up TensorFlow.js backend (no loading, no `setBackend`):
 * the building block of `tfjs()` and of packages that set up tfjs themselves (backend-webgpu,
 * backend-cuda).
 *
 * @param tfBackend - The TensorFlow.js backend name.
 * @param options - See {@link TfjsKernelOptions}.
 * @returns A checked backend; tensors made by it can cross to and from tfjs with `toTf`/`fromTf`.
 * @example
 * ```ts
 * await tf.setBackend('webgpu');
 * const backend = createTfjsBackend('webgpu', { name: 'webgpu', syncRead: false });
 * ```
 */
export function createTfjsBackend(tfBackend: string, options: TfjsKernelOptions = {}): Backend {
  const kernels = tfjsKernels(tfBackend, options);
  const backend = defineBackend(kernels);
  TFJS_KERNELS.set(backend, kernels);
  return backend;
}

/** Options of {@link tfjs}. */
export interface TfjsOptions extends TfjsKernelOptions {
  /** A registered TensorFlow.js backend: `cpu` and `wasm` are loaded here; others (`webgl`, `webgpu`, `tensorflow`) must be imported by the caller first. */
  readonly tfBackend: string;
  /** Where the `.wasm` files of tfjs-backend-wasm are (a URL prefix ending in `/`); in Node, the package's own `dist/` by default. */
  readonly wasmPaths?: string;
}

let wasmPathsSet = false;

async function loadWasm(wasmPaths: string | undefined): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (wasmPathsSet || tf.engine().registry.wasm) return;
  let prefix = wasmPaths;
  if (prefix === undefined && typeof process !== 'undefined' && process.versions?.node) {
    const { createRequire } = await import('node:module');
    const { dirname, join } = await import('node:path');
    const require = createRequire(import.meta.url);
    prefix = `${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`;
  }
  if (prefix !== undefined) wasm.setWasmPaths(prefix);
  wasmPathsSet = true;
}

/**
 * Sets up a TensorFlow.js backend, makes it the active one, and returns a downhill backend over it
 * (named `tfjs-<tfBackend>`): float32, int32 and bool (no float64), synchronous reads, elementwise
 * programs through the primitives, not in place.
 *
 * TensorFlow.js has one global engine: two downhill backends over different tfjs backends cannot
 * compute side by side; each kernel checks `tf.getBackend()` and throws `BackendMismatchError`
 * when another tfjs backend is active. Calling `tfjs()` again switches the engine.
 *
 * @param options - `tfBackend` (`cpu`, `wasm` or any registered tfjs backend) and kernel options.
 * @returns The backend, once `tf.ready()` resolves.
 * @throws BackendUnavailableError when the tfjs backend is not registered or fails to start, saying why.
 * @example
 * ```ts
 * import { tfjs } from '@downhill/backend-tfjs';
 * const b = await tfjs({ tfBackend: 'wasm' });
 * const y = b.scope(() => b.matmul(b.tensor([1, 2, 3, 4], [2, 2]), b.tensor([1, 0, 0, 1], [2, 2])));
 * await y.read(); // Float32Array [1, 2, 3, 4]
 * ```
 */
export async function tfjs(options: TfjsOptions): Promise<Backend> {
  const { tfBackend, wasmPaths, ...kernelOptions } = checkOptions('tfjs', options, {
    tfBackend: true,
    wasmPaths: true,
    name: true,
    syncRead: true,
    runProgram: true,
    inPlace: true,
  });
  const where = `tfjs({ tfBackend: '${tfBackend}' })`;
  try {
    if (tfBackend === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
    else if (tfBackend === 'wasm') await loadWasm(wasmPaths);
  } catch (e) {
    throw new BackendUnavailableError(`${where}: could not load the TensorFlow.js ${tfBackend} backend: ${(e as Error).message}`);
  }
  if (!tf.findBackendFactory(tfBackend)) {
    const known = Object.keys(tf.engine().registryFactory);
    throw new BackendUnavailableError(
      `${where}: no TensorFlow.js backend named '${tfBackend}' is registered (registered: ${known.join(', ') || 'none'}); import its package first, such as '@tensorflow/tfjs-backend-webgl'`,
    );
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfBackend);
    await tf.ready();
  } catch (e) {
    throw new BackendUnavailableError(`${where}: TensorFlow.js could not start backend '${tfBackend}': ${(e as Error).message}`);
  }
  if (!ok || tf.getBackend() !== tfBackend) {
    throw new BackendUnavailableError(
      `${where}: tf.setBackend('${tfBackend}') returned false: the backend failed to initialise here (no WebGPU adapter, no WebGL context, missing .wasm files...)`,
    );
  }
  return createTfjsBackend(tfBackend, kernelOptions);
}
