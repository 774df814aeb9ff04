/**
 * The implementations under test and how each one starts: downhill on each backend, TensorFlow.js's
 * own API on its cpu and wasm backends, jax-js on its wasm device.
 */
import type { Backend } from '@downhill/backend';
import { tfWasmPaths } from './util.js';

/** An implementation id, as it appears in the results. */
export type ImplId =
  | 'downhill-cpu'
  | 'downhill-cpu-1t'
  | 'downhill-cpu-js'
  | 'downhill-tfjs-cpu'
  | 'downhill-tfjs-wasm'
  | 'tfjs-cpu'
  | 'tfjs-wasm'
  | 'tfjs-layers-cpu'
  | 'tfjs-layers-wasm'
  | 'jax-js-wasm';

/** Describes each implementation for the report. */
export const IMPL_LABELS: Record<ImplId, string> = {
  'downhill-cpu': 'downhill, backend-cpu (WebAssembly SIMD kernels, worker threads: one per core, at most 8)',
  'downhill-cpu-1t': 'downhill, backend-cpu on one thread (DOWNHILL_CPU_THREADS=1)',
  'downhill-cpu-js': 'downhill, backend-cpu with DOWNHILL_CPU_WASM=0 (JavaScript loops only)',
  'downhill-tfjs-cpu': 'downhill on backend-tfjs, tfjs cpu backend',
  'downhill-tfjs-wasm': 'downhill on backend-tfjs, tfjs wasm backend (SIMD, no threads)',
  'tfjs-cpu': 'TensorFlow.js 4.22 core API, cpu backend',
  'tfjs-wasm': 'TensorFlow.js 4.22 core API, wasm backend (SIMD, no threads)',
  'tfjs-layers-cpu': 'tfjs-layers 4.22 model.trainOnBatch, cpu backend',
  'tfjs-layers-wasm': 'tfjs-layers 4.22 model.trainOnBatch, wasm backend',
  'jax-js-wasm': 'jax-js 0.1.25, wasm device, jit (single thread: Node has no Web Worker)',
};

/** Environment a child needs for an implementation (the JS-only downhill variant turns the WebAssembly kernels off). */
export function implEnv(impl: ImplId): Record<string, string> {
  if (impl === 'downhill-cpu-js') return { DOWNHILL_CPU_WASM: '0' };
  if (impl === 'downhill-cpu-1t') return { DOWNHILL_CPU_THREADS: '1' };
  return {};
}

/** A downhill backend for a downhill implementation id. */
export async function downhillBackend(impl: ImplId): Promise<Backend> {
  switch (impl) {
    case 'downhill-cpu':
    case 'downhill-cpu-1t':
    case 'downhill-cpu-js': {
      const { cpu, cpuThreadsReady } = await import('@downhill/backend-cpu');
      const b = cpu();
      await cpuThreadsReady(); // the workers start in the background; time them once they are up
      return b;
    }
    case 'downhill-tfjs-cpu':
    case 'downhill-tfjs-wasm': {
      // the full package first: it registers the gradients tfjs-core's Node entry lacks
      await import('@tensorflow/tfjs');
      const { tfjs } = await import('@downhill/backend-tfjs');
      return tfjs({ tfBackend: impl === 'downhill-tfjs-cpu' ? 'cpu' : 'wasm' });
    }
    default:
      throw new Error(`${impl} is not a downhill implementation`);
  }
}

/** TensorFlow.js (the full package, with gradients and layers) on its cpu or wasm backend. */
export async function tfjsOn(backend: 'cpu' | 'wasm') {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    await tfWasmPaths();
  }
  const ok = await tf.setBackend(backend);
  await tf.ready();
  if (!ok || tf.getBackend() !== backend) throw new Error(`TensorFlow.js could not start its ${backend} backend`);
  return tf;
}

/** jax-js with its wasm device as the default. */
export async function jaxWasm() {
  const jax = await import('@jax-js/jax');
  const devices = await jax.init('wasm');
  if (!devices.includes('wasm')) throw new Error(`jax-js started no wasm device (devices: ${devices.join(', ')})`);
  jax.defaultDevice('wasm');
  return jax;
}

/** Whether an implementation is downhill's. */
export function isDownhill(impl: ImplId): boolean {
  return impl.startsWith('downhill-');
}
