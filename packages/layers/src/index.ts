/**
 * `@downhill/layers`: modules with named, nested parameters and non-trainable buffers, training and
 * evaluation modes, run functionally on a parameter tree so `grad` differentiates them; Dense,
 * activations, Sequential, Residual, Dropout, BatchNorm, LayerNorm, Conv1D, Conv2D, MaxPool, AvgPool,
 * GlobalAvgPool, Embedding, MultiHeadAttention, TransformerBlock; weights saved and loaded by name as
 * safetensors, in downhill's layout or in PyTorch's (`state_dict` names, `nn.Linear` weights `[out, in]`).
 *
 * @packageDocumentation
 */
export type { Params, ParamsLike } from './params.js';
export type { ForwardContext } from './context.js';
export { Module, type ApplyOptions, type BufferOptions, type FunctionalResult, type ModuleInitOptions } from './module.js';
export { Dense, type DenseOptions, type KernelInit } from './dense.js';
export { ELU, Flatten, GELU, LeakyReLU, LogSoftmax, ReLU, SiLU, Sigmoid, Softmax, Tanh } from './activations.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export type { ConvLayerOptions } from './conv-common.js';
export { Conv1D } from './conv-1d.js';
export { Conv2D } from './conv-2d.js';
export { AvgPool, GlobalAvgPool, MaxPool, type PoolOptions } from './pooling.js';
export { MultiHeadAttention, type MultiHeadAttentionOptions } from './multi-head-attention.js';
export { Residual } from './residual.js';
export { TransformerBlock, type TransformerBlockOptions } from './transformer-block.js';
export { Sequential } from './sequential.js';
export { Dropout, type DropoutOptions } from './dropout.js';
export { BatchNorm, type BatchNormOptions } from './batch-norm.js';
export { LayerNorm, type LayerNormOptions } from './layer-norm.js';
export {
  WeightsMismatchError,
  loadWeights,
  saveWeights,
  saveWeightsSync,
  type LoadWeightsOptions,
  type SaveWeightsOptions,
} from './weights.js';
export {
  PyTorchLayoutError,
  fromPyTorchStateDict,
  loadPyTorchWeights,
  savePyTorchWeights,
  toPyTorchStateDict,
} from './pytorch-layout.js';
export { SAFETENSORS_DTYPES, SafetensorsError, decodeSafetensors, encodeSafetensors, type SafetensorsEntry } from './safetensors.js';
export {
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  restoreCheckpoint,
  type Checkpoint,
  type CheckpointContents,
} from './checkpoint.js';
export { loadCheckpoint, saveCheckpoint, writeFileAtomic } from './checkpoint-file.js';
