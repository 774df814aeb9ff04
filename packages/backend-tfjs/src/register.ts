/**
 * Side effect: registers `tfjs-wasm` (priority 100) and `tfjs-cpu` (priority 5) with the backend
 * registry of `@downhill/backend`, each guarded so a second import does nothing.
 *
 * TensorFlow.js has one global engine, so only one of the two can compute at a time: starting one
 * (`getBackend('tfjs-cpu')`) makes its tfjs backend the active one, and tensors of the other then
 * refuse to compute with a `BackendMismatchError`.
 *
 * @example
 * ```ts
 * import '@downhill/backend-tfjs/register';
 * import { selectBackend } from '@downhill/backend';
 * const { backend, reason } = await selectBackend(); // tfjs-wasm unless something ranks higher
 * ```
 */
import { hasBackend, registerBackend } from '@downhill/backend';
import { tfjs } from './setup.js';

if (!hasBackend('tfjs-wasm')) {
  registerBackend({
    name: 'tfjs-wasm',
    priority: 100,
    description: 'TensorFlow.js WebAssembly with SIMD',
    create: () => tfjs({ tfBackend: 'wasm' }),
  });
}
if (!hasBackend('tfjs-cpu')) {
  registerBackend({
    name: 'tfjs-cpu',
    priority: 5,
    description: 'TensorFlow.js plain JavaScript CPU',
    create: () => tfjs({ tfBackend: 'cpu' }),
  });
}
