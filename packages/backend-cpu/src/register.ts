/**
 * Side-effect entry point: registers backend-cpu as `cpu` (priority 10) in the backend registry of
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

if (!hasBackend('cpu')) {
  registerBackend({ name: 'cpu', priority: 10, description: 'pure TypeScript, float32 and float64', create: () => cpu() });
}
