/**
 * `@downhill/optimizers`: gradient transformations, their composition, named optimizers,
 * wrappers, a stateful optimizer, state save/load and the plugin registry.
 *
 * @packageDocumentation
 */
export type { GradientTransformation, OptState, Params, ScalarOrSchedule, StateValue } from './types.js';
export type { FusedPlan } from './fused-plan.js';
export {
  checkTrees,
  flatten,
  forEachStateTensor,
  getLeaf,
  isTensor,
  mapTree,
  mapTrees,
  mapTreesN,
  releaseReplaced,
  stateNumber,
  stateTensors,
  stateTree,
  unflatten,
  zerosLike,
  type TreeCheckOptions,
} from './tree.js';
export { chain } from './chain.js';
export { applyUpdates } from './apply-updates.js';
export { step, type StepOptions, type StepResult } from './step.js';
export * from './wrappers/index.js';
export * from './stateful/index.js';
export * from './plugins/index.js';
