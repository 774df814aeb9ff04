import {
  DTypeError,
  InvalidArgumentError,
  ShapeError,
  describeValue,
  fmtShape,
  isPlainRecord,
  joinPath,
  shapesEqual,
  type Tensor,
} from '@downhill/backend';
import { detach, noGrad, ops, type TensorLike } from '@downhill/autograd';
import type { Rng } from '@downhill/initializers';
import type { Module } from './module.js';

/** A buffer value computed during a forward pass, to be stored after it. @internal */
export interface BufferUpdate {
  readonly module: Module;
  readonly name: string;
  readonly path: string;
  readonly value: Tensor;
}

/** What one forward pass shares among its modules. @internal */
export interface RunState {
  readonly training: boolean;
  readonly rng: Rng | undefined;
  readonly updates: BufferUpdate[];
}

/**
 * What a module's `forward` sees: its own parameters and buffers (by local name), the mode, a
 * random key, and the way to run its children. One context per module per forward pass.
 *
 * @example
 * ```ts
 * class Affine extends Module {
 *   constructor() { super(); this.addParameter('w', [3, 2], glorotUniform()); }
 *   forward(x: TensorLike, ctx: ForwardContext) { return ops.matmul(x, ctx.param('w')); }
 * }
 * ```
 */
export interface ForwardContext {
  /** Whether this pass runs in training mode (batch statistics, dropout on). */
  readonly training: boolean;
  /** Whether `apply` was given a key (`{ rng }`): then {@link ForwardContext.key} is `rng.fold(path)`. */
  readonly keyed: boolean;
  /** The module's dotted path in the model (`''` for the model itself). */
  readonly path: string;
  /** The module's parameter `name` from the tree given to `apply` (a traced value under `grad`). */
  param(name: string): TensorLike;
  /** The module's buffer `name` (running statistics): a constant, never differentiated. */
  buffer(name: string): TensorLike;
  /** Whether this pass has buffer `name` (false for a module used before `init`, which has no tensors). */
  hasBuffer(name: string): boolean;
  /**
   * Records a new value for buffer `name`, stored once the pass ends (by `apply`) or returned (by
   * `applyFunctional`). The value is detached and cast to the buffer's dtype: no gradient flows.
   * Returns the tensor that will be stored.
   */
  setBuffer(name: string, value: TensorLike): Tensor;
  /** Runs a child module (registered with `addModule`) on `x`. */
  call(child: Module, x: TensorLike): TensorLike;
  /**
   * The random key of this module for this pass: `rng.fold(path)` when `apply` was given `rng`,
   * else the key of pass `step` of the module's own stream (seeded at construction or by `init`),
   * or, without `step`, its next key (a count kept on the host, outside any checkpoint: modules
   * whose randomness must resume keep the count in a buffer and pass it, as Dropout does).
   */
  key(step?: number): Rng;
}

/** The name of a module for messages: `Dense 'encoder.dense1'`, or `Dense (the model)`. @internal */
export function moduleName(module: Module, path: string): string {
  return path === '' ? `${module.constructor.name} (the model)` : `${module.constructor.name} '${path}'`;
}

/** @internal */
export class Context implements ForwardContext {
  constructor(
    private readonly module: Module,
    readonly path: string,
    private readonly params: unknown,
    private readonly buffers: unknown,
    private readonly run: RunState,
  ) {}

  get training(): boolean {
    return this.run.training;
  }

  get keyed(): boolean {
    return this.run.rng !== undefined;
  }

  hasBuffer(name: string): boolean {
    if (!this.module._buffers.has(name)) return false;
    const v = isPlainRecord(this.buffers) ? this.buffers[name] : undefined;
    return v !== undefined && !isPlainRecord(v);
  }

  param(name: string): TensorLike {
    const slot = this.module._params.get(name);
    if (!slot)
      throw new InvalidArgumentError(
        `${moduleName(this.module, this.path)}: it has no parameter '${name}' (it has: ${[...this.module._params.keys()].join(', ') || 'none'})`,
      );
    return this.leaf(this.params, name, slot.shape, 'parameter');
  }

  buffer(name: string): TensorLike {
    const slot = this.module._buffers.get(name);
    if (!slot)
      throw new InvalidArgumentError(
        `${moduleName(this.module, this.path)}: it has no buffer '${name}' (it has: ${[...this.module._buffers.keys()].join(', ') || 'none'})`,
      );
    return this.leaf(this.buffers, name, slot.shape, 'buffer');
  }

  setBuffer(name: string, value: TensorLike): Tensor {
    const current = this.buffer(name);
    if (!shapesEqual(value.shape, current.shape)) {
      throw new ShapeError(
        `${moduleName(this.module, this.path)}: new value of buffer '${joinPath(this.path, name)}' has shape ${fmtShape(value.shape)}, expected ${fmtShape(current.shape)}`,
      );
    }
    const stored = noGrad(() => ops.cast(detach(value), current.dtype)) as Tensor;
    this.run.updates.push({ module: this.module, name, path: joinPath(this.path, name), value: stored });
    return stored;
  }

  call(child: Module, x: TensorLike): TensorLike {
    let name: string | undefined;
    for (const [k, m] of this.module._children) if (m === child) name = k;
    if (name === undefined) {
      throw new InvalidArgumentError(
        `${moduleName(this.module, this.path)}: ctx.call was given a ${child?.constructor?.name ?? typeof child} that is not one of its children; register it with addModule(name, module)`,
      );
    }
    const sub = (tree: unknown) => (isPlainRecord(tree) ? tree[name] : undefined);
    const ctx = new Context(child, joinPath(this.path, name), sub(this.params), sub(this.buffers), this.run);
    return child.forward(x, ctx);
  }

  key(step?: number): Rng {
    if (this.run.rng) return this.run.rng.fold(this.path);
    return step === undefined ? this.module._nextKey(this.path) : this.module._keyAt(this.path, step);
  }

  private leaf(tree: unknown, name: string, shape: readonly number[], kind: 'parameter' | 'buffer'): TensorLike {
    const full = joinPath(this.path, name);
    const v = isPlainRecord(tree) ? tree[name] : undefined;
    if (v === undefined || isPlainRecord(v) || !(typeof v === 'object' && v !== null && 'shape' in v)) {
      const hint =
        kind === 'parameter'
          ? 'pass model.parameters() (or the tree grad traces from it)'
          : 'initialize the model (model.init) or pass its buffers';
      throw new InvalidArgumentError(
        `${moduleName(this.module, this.path)}: the ${kind} tree has ${describeValue(v)} at '${full}', expected a tensor of shape ${fmtShape(shape)}; ${hint}`,
      );
    }
    const t = v as TensorLike;
    if (!shapesEqual(t.shape, shape)) {
      throw new ShapeError(
        `${moduleName(this.module, this.path)}: ${kind} '${full}' has shape ${fmtShape(t.shape)}, expected ${fmtShape(shape)}`,
      );
    }
    if (t.dtype !== 'float32' && t.dtype !== 'float64') {
      throw new DTypeError(`${moduleName(this.module, this.path)}: ${kind} '${full}' is ${t.dtype}, expected float32 or float64`);
    }
    return t;
  }
}
