/**
 * Side-effect entry point: registers backend-cpu as `cpu` (priority 150, above TensorFlow.js over WebAssembly, which it outruns: see docs/benchmarks.md) in the backend registry of
 * `@downhill/backend`. Importing it twice is harmless.
 *
 * @example
 * ```ts
 * import '@downhill/backend-cpu/register';
 * import { getBackend } from '@downhill/backend';
 * const backend = await getBackend('cpu');
 * ```
 *
 * @packageDocumentation
 */
import { hasBackend, registerBackend } from '@downhill/backend';
import { cpu } from './index.js';
import { threadingSummary } from './threads/threading-summary.js';

if (!hasBackend('cpu')) {
  registerBackend({
    name: 'cpu',
    priority: 150,
    description: `TypeScript with WebAssembly SIMD kernels, float32 and float64, ${threadingSummary()}`,
    create: () => cpu(),
  });
}
