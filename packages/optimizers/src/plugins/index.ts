// Plugins: the optimizer registry (names to factories).
export {
  registerOptimizer,
  createOptimizer,
  listOptimizers,
  hasOptimizer,
  unregisterOptimizer,
  optimizerNameOf,
  OptimizerNotFoundError,
  DuplicateOptimizerError,
  RegistryContractError,
  type OptimizerFactory,
  type OptimizerInfo,
  type OptimizerOptions,
} from './registry.js';
