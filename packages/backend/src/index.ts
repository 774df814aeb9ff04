/**
 * `@downhill/backend`: the narrow waist. The backend interface and its version, tensor handles,
 * dtypes, shapes and broadcasting, typed errors, parameter trees (the one tree module of the
 * repository: records and arrays, dotted paths), elementwise programs (`runProgram`, the
 * composed interpretation `interpretProgram`), the registry
 * with automatic selection, and `defineBackend` which turns kernels into a checked backend.
 * The conformance suite lives at `@downhill/backend/conformance`.
 *
 * @packageDocumentation
 */
export { SPECIFICATION_VERSION, type Backend, type Capabilities, type MatmulOptions, type MemoryInfo } from './backend.js';
export { defineBackend } from './define-backend.js';
export { BinaryShorthands } from './binary-shorthands.js';
export { convParams, type ConvOptions, type ConvParams } from './conv.js';
export {
  REDUCE_WINDOW_OPS,
  reduceWindowParams,
  type ReduceWindowOp,
  type ReduceWindowOptions,
  type ReduceWindowParams,
} from './reduce-window.js';
export { dilatedSize, type Padding, type WindowGeometry } from './window.js';
export { composeConv, composeReduceWindow, composeWindowArgmax, windowTaps } from './compose-windowed.js';
export { UnknownOptionError, checkOptions, nearestOption, type OptionKeys } from './options.js';
export type { Kernels } from './kernels.js';
export { Tensor, forEachTensor, type TensorContainer } from './tensor.js';
export {
  describeValue,
  flattenTree,
  getLeaf,
  isBranch,
  isPlainRecord,
  joinPath,
  mapTree,
  sameStructure,
  unflattenTree,
  type FlattenTreeOptions,
  type MapTreeOptions,
  type ParamTree,
  type Params,
} from './tree.js';
export { checkTrees, flatten, mapTrees, mapTreesN, unflatten, zerosLike, type TreeCheckOptions } from './tensor-tree.js';
export {
  DTYPES,
  BYTES_PER_ELEMENT,
  allocateTyped,
  dtypeOfTyped,
  isFloatDType,
  toTyped,
  type DType,
  type HostData,
  type TypedArray,
  type TypedArrayFor,
} from './dtype.js';
export {
  BackendMismatchError,
  BackendNotFoundError,
  BackendUnavailableError,
  DTypeError,
  DisposedTensorError,
  DownhillError,
  InvalidArgumentError,
  OutOfMemoryError,
  ShapeError,
  UnsupportedError,
  fmtShape,
} from './errors.js';
export {
  broadcastShapes,
  broadcastsTo,
  checkPermutation,
  checkShape,
  matmulShape,
  normalizeAxes,
  normalizeAxis,
  reducedShape,
  shapesEqual,
  sizeOf,
  stridesOf,
  type Shape,
} from './shape.js';
export {
  BINARY_OPS,
  COMPARE_OPS,
  INT_BINARY_OPS,
  INT_UNARY_OPS,
  REDUCE_OPS,
  ARG_REDUCE_OPS,
  UNARY_OPS,
  type ArgReduceOp,
  type BinaryOp,
  type CompareOp,
  type PrimitiveName,
  type ReduceOp,
  type UnaryOp,
} from './ops.js';
export type { ElementwiseProgram, ProgramGroup, ProgramNode, RunProgramOptions } from './program.js';
export { checkProgram, checkProgramGroups } from './check-program.js';
export { interpretProgram } from './interpret-program.js';
export {
  getBackend,
  hasBackend,
  listBackends,
  registerBackend,
  selectBackend,
  unregisterBackend,
  type BackendRegistration,
  type BackendSelection,
} from './registry.js';
