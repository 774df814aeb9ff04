// The stateful optimizer and saved state.
export { Optimizer, type LoadStateOptions, type OptimizerConfig } from './optimizer.js';
export {
  STATE_FORMAT,
  STATE_FORMAT_VERSION,
  StateMismatchError,
  decodeState,
  deserializeState,
  encodeState,
  serializeState,
  type EncodedNumber,
  type EncodedState,
  type EncodedTensor,
  type OptimizerStateDict,
  type ParamSpec,
} from './state-format.js';
export { loadStateLike, type MatchOptions } from './state-match.js';
