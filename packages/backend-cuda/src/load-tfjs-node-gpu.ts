import { BackendUnavailableError } from '@downhill/backend';

/** The npm package that brings TensorFlow's CUDA kernels to Node. */
export const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';

/**
 * What a machine needs for the CUDA backend, as one sentence for error messages and the README.
 * tfjs-node-gpu 4.22 is built against libtensorflow 2.9.1, which is built against CUDA 11.2 and
 * cuDNN 8.1; its install script downloads libtensorflow.
 */
export const CUDA_REQUIREMENTS =
  `install ${TFJS_NODE_GPU}@4.22.0 (npm install ${TFJS_NODE_GPU}@4.22.0; its install script downloads libtensorflow 2.9.1 with GPU support), ` +
  'on Linux x86-64 with CUDA 11.2, cuDNN 8.1 and an NVIDIA driver for CUDA 11.2 (460.27 or newer; nvidia-smi shows it), ' +
  'and the CUDA and cuDNN libraries on LD_LIBRARY_PATH';

/** How the module was found missing or broken, for the error message. */
function classify(e: unknown): 'missing' | 'broken' {
  const err = e as { code?: string; message?: string } | undefined;
  const text = String(err?.message ?? e);
  const notFound =
    err?.code === 'ERR_MODULE_NOT_FOUND' ||
    err?.code === 'MODULE_NOT_FOUND' ||
    /Cannot find (package|module)|Could not resolve|Failed to resolve/.test(text);
  return notFound && text.includes(TFJS_NODE_GPU) ? 'missing' : 'broken';
}

/**
 * Loads tfjs-node-gpu with a dynamic import (so importing this package never needs it), which
 * registers TensorFlow.js's `tensorflow` backend. Throws `BackendUnavailableError` with what to
 * install and the underlying error when the package is missing or cannot load (libtensorflow,
 * CUDA or cuDNN libraries not found).
 *
 * @param load - How to import it; the default imports `@tensorflow/tfjs-node-gpu` by name.
 * @returns The module.
 * @example
 * ```ts
 * await loadTfjsNodeGpu(); // throws BackendUnavailableError on machines without it
 * ```
 */
export async function loadTfjsNodeGpu(load: () => Promise<unknown> = importByName): Promise<unknown> {
  try {
    return await load();
  } catch (e) {
    const underlying = e instanceof Error ? e.message.split('\n')[0] : String(e);
    const what =
      classify(e) === 'missing'
        ? `${TFJS_NODE_GPU} is not installed (it is an optional peer dependency of @downhill/backend-cuda)`
        : `${TFJS_NODE_GPU} is installed but did not load`;
    const error = new BackendUnavailableError(`cuda: ${what}; ${CUDA_REQUIREMENTS}. Underlying error: ${underlying}`);
    (error as { cause?: unknown }).cause = e;
    throw error;
  }
}

function importByName(): Promise<unknown> {
  // A variable specifier: TypeScript and bundlers leave it alone, Node resolves it at run time.
  const specifier: string = TFJS_NODE_GPU;
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);
}
