/**
 * `@downhill/optimizers`: gradient transformations, their composition, named optimizers,
 * wrappers, a stateful optimizer, state save/load and the plugin registry.
 *
 * @packageDocumentation
 */
export type { GradientTransformation, OptState, Params, ScalarOrSchedule, StateValue } from './types.js';
export * from './wrappers/index.js';
export * from './stateful/index.js';
export * from './plugins/index.js';
