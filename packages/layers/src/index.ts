/**
 * `@downhill/layers`: modules with named, nested parameters and non-trainable buffers, training and
 * evaluation modes, run functionally on a parameter tree so `grad` differentiates them; Dense,
 * activations, Sequential, Dropout, BatchNorm, LayerNorm; weights saved and loaded by name as
 * safetensors.
 *
 * @packageDocumentation
 */
export type { Params, ParamsLike } from './params.js';
export type { ForwardContext } from './context.js';
export { Module, type ApplyOptions, type FunctionalResult, type ModuleInitOptions } from './module.js';
export { Dense, type DenseOptions, type KernelInit } from './dense.js';
export { ELU, Flatten, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh } from './activations.js';
export { Sequential } from './sequential.js';
