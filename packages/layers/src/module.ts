import {
  DTypeError,
  InvalidArgumentError,
  ShapeError,
  Tensor,
  describeValue,
  flattenTree,
  fmtShape,
  isBranch,
  isPlainRecord,
  joinPath,
  shapesEqual,
  sizeOf,
  unflattenTree,
  type Backend,
  type Shape,
  type TypedArray,
  checkOptions,
} from '@downhill/backend';
import { Traced, detach, type TensorLike } from '@downhill/autograd';
import { Rng, rng as rngOf, type Initializer } from '@downhill/initializers';
import { Context, moduleName, type BufferUpdate, type ForwardContext, type RunState } from './context.js';
import type { Params, ParamsLike } from './params.js';

/** A parameter or buffer declared by a module: its shape and initializer, and its tensor once initialized. @internal */
export interface Slot {
  readonly shape: readonly number[];
  readonly init: Initializer;
  value: Tensor | undefined;
  /** Called by `loadWeights` with each tensor it makes for this slot and the host values it came from. */
  readonly onLoad?: (t: Tensor, data: TypedArray) => void;
}

/** Options of {@link Module.addBuffer}. */
export interface BufferOptions {
  /**
   * Called by `loadWeights` with each tensor it makes for this buffer and the host values it came
   * from, so a module that needs a small buffer on the host (Dropout's pass counter) can keep a host
   * copy without reading the device.
   */
  readonly onLoad?: (t: Tensor, data: TypedArray) => void;
}

/** Options of {@link Module.init}. */
export interface ModuleInitOptions {
  /** Seed of the root key (same as `rng: rng(seed)`). One of `seed` and `rng` is required. */
  readonly seed?: number;
  /** The root key; parameter `p` is drawn from `rng.fold('params').fold(p)`. */
  readonly rng?: Rng;
  /** dtype of every parameter and buffer (default `float32`). */
  readonly dtype?: 'float32' | 'float64';
}

/** Options of {@link Module.apply}, {@link Module.applyFunctional} and {@link Module.call}. */
export interface ApplyOptions {
  /** Training mode for this pass (batch statistics, dropout on); default the module's `training` flag. */
  readonly training?: boolean;
  /** A key for this pass: each random module uses `rng.fold(itsPath)`. Default: each module's own stream. */
  readonly rng?: Rng;
}

/** What {@link Module.applyFunctional} returns. */
export interface FunctionalResult {
  /** The module's output. */
  readonly output: TensorLike;
  /** The buffer tree after the pass: the given one with the updated leaves replaced by new tensors. */
  readonly buffers: Params;
}

type Kind = 'parameter' | 'buffer';

/**
 * A module: a function with named parameters, named non-trainable buffers and named children,
 * run functionally on a parameter tree so that `grad` can differentiate it.
 *
 * Names: a parameter `kernel` of child `dense1` of child `encoder` is `encoder.dense1.kernel` in
 * `parameters()`, in errors, in saved weights and in optimizer state.
 *
 * Lifecycle and ownership:
 * - construct (shapes only, no tensors) → `init(backend, { seed })` draws every parameter from
 *   `rng(seed).fold('params').fold(path)`;
 * - `parameters()` / `buffers()` return trees of the module's own tensors (new records, same
 *   handles). The module owns them (they are `keep`-ed, so scopes never release them); they stay
 *   valid until replaced by `setParameters`, `setBuffers`, `loadWeights`, `init`, a training-mode
 *   `apply` (buffers only) or `dispose`;
 * - `setParameters(tree)` takes ownership of the new tensors and releases the old ones that the new
 *   tree does not hold (so a consumed in-place optimizer step is fine: released handles are skipped).
 *
 * @example
 * ```ts
 * const model = new Sequential([new Dense(4, 16), new ReLU(), new Dense(16, 3)]).init(backend, { seed: 0 });
 * const [loss, grads] = valueAndGrad((p: Params) => softmaxCrossEntropy(model.apply(p, x), y))(model.parameters());
 * ```
 */
export abstract class Module {
  /** Training (true, the default) or evaluation mode; see {@link Module.train}. */
  training = true;
  /** @internal */
  readonly _params = new Map<string, Slot>();
  /** @internal */
  readonly _buffers = new Map<string, Slot>();
  /** @internal */
  readonly _children = new Map<string, Module>();
  /** @internal the module's own random stream (dropout masks), and whether it came from the constructor. */
  _key: Rng | undefined;
  /** @internal */
  _ownKey = false;
  /** @internal */
  _calls = 0;

  /**
   * The module's computation on `x`, reading parameters through `ctx.param(name)` and running
   * children through `ctx.call(child, x)`. Called by `apply`; use `ops` from `@downhill/autograd`.
   */
  abstract forward(x: TensorLike, ctx: ForwardContext): TensorLike;

  // ------------------------------------------------------------ registration

  /** Declares a trainable parameter of `shape`, drawn by `init` at `init` time. */
  protected addParameter(name: string, shape: Shape, init: Initializer): void {
    this.checkName(name);
    this._params.set(name, { shape: [...shape], init, value: undefined });
  }

  /** Declares a non-trainable buffer (running statistics), made by `init` at `init` time. */
  protected addBuffer(name: string, shape: Shape, init: Initializer, { onLoad }: BufferOptions = {}): void {
    this.checkName(name);
    this._buffers.set(name, { shape: [...shape], init, value: undefined, onLoad });
  }

  /** Registers a child module under `name` and returns it (handy in field initializers). */
  protected addModule<M extends Module>(name: string, module: M): M {
    this.checkName(name);
    if (!(module instanceof Module))
      throw new InvalidArgumentError(`${this.constructor.name}.addModule: '${name}' is ${describeValue(module)}, not a Module`);
    if ((module as Module) === this)
      throw new InvalidArgumentError(`${this.constructor.name}.addModule: a module cannot be its own child ('${name}')`);
    this._children.set(name, module);
    return module;
  }

  /** Gives the module its own random stream (as Dropout's `{ seed }` does); `init` leaves it. */
  protected setKey(key: Rng): void {
    this._key = key;
    this._ownKey = true;
    this._calls = 0;
  }

  private checkName(name: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.') || name === '__metadata__') {
      throw new InvalidArgumentError(
        `${this.constructor.name}: '${String(name)}' is not a valid name (non-empty, no dots, not __metadata__)`,
      );
    }
    if (this._params.has(name) || this._buffers.has(name) || this._children.has(name)) {
      throw new InvalidArgumentError(`${this.constructor.name}: the name '${name}' is already taken by a parameter, buffer or child`);
    }
  }

  // ------------------------------------------------------------ structure

  /** Every module of the tree with its dotted path, this one first (path `''`), depth first. */
  modules(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const walk = (m: Module, path: string) => {
      if (seen.has(m))
        throw new InvalidArgumentError(
          `${moduleName(m, path)}: the module appears twice in the tree; share parameters by calling one child twice instead`,
        );
      seen.add(m);
      out.push([path, m]);
      for (const [k, c] of m._children) walk(c, joinPath(path, k));
    };
    walk(this, '');
    return out;
  }

  /** @internal every slot of a kind with its full path, its module and local name. */
  _slots(kind: Kind): { path: string; slot: Slot; module: Module; name: string; modulePath: string }[] {
    const out: { path: string; slot: Slot; module: Module; name: string; modulePath: string }[] = [];
    for (const [mp, m] of this.modules()) {
      for (const [name, slot] of kind === 'parameter' ? m._params : m._buffers)
        out.push({ path: joinPath(mp, name), slot, module: m, name, modulePath: mp });
    }
    return out;
  }

  /** Whether `init` (or a load) has given every parameter and buffer a tensor. */
  get initialized(): boolean {
    return [...this._slots('parameter'), ...this._slots('buffer')].every((s) => s.slot.value !== undefined && !s.slot.value.disposed);
  }

  /** The number of trainable scalars (the sum of the parameters' sizes; buffers not counted). Known before `init`. */
  parameterCount(): number {
    return this._slots('parameter').reduce((n, s) => n + sizeOf(s.slot.shape), 0);
  }

  /** The number of scalars held in buffers (running statistics). */
  bufferCount(): number {
    return this._slots('buffer').reduce((n, s) => n + sizeOf(s.slot.shape), 0);
  }

  /** The dotted names and shapes of the parameters, as declared (known before `init`). */
  parameterShapes(): Record<string, number[]> {
    return Object.fromEntries(this._slots('parameter').map((s) => [s.path, [...s.slot.shape]]));
  }

  private tensorsOf(kind: Kind): [string, Tensor][] {
    return this._slots(kind).map(({ path, slot, module, modulePath }) => {
      if (!slot.value || slot.value.disposed) {
        throw new InvalidArgumentError(
          `${moduleName(module, modulePath)}: ${kind} '${path}' has no tensor${slot.value ? ' (it was released)' : ''}; call model.init(backend, { seed }) or loadWeights first`,
        );
      }
      return [path, slot.value];
    });
  }

  /** `[dottedName, tensor]` for every parameter. */
  namedParameters(): [string, Tensor][] {
    return this.tensorsOf('parameter');
  }

  /** `[dottedName, tensor]` for every buffer. */
  namedBuffers(): [string, Tensor][] {
    return this.tensorsOf('buffer');
  }

  /**
   * The trainable parameters as a named tree (`{ dense1: { kernel, bias }, ... }`): what `grad`,
   * `valueAndGrad` and `@downhill/optimizers` consume. New records, the module's own tensors.
   */
  parameters(): Params {
    return unflattenTree(this.namedParameters()) as Params;
  }

  /** The buffers (BatchNorm's running statistics) as a named tree; empty when there are none. */
  buffers(): Params {
    return unflattenTree(this.namedBuffers()) as Params;
  }

  // ------------------------------------------------------------ modes

  /** Sets training mode (`true`) or evaluation mode on this module and every descendant. */
  train(mode = true): this {
    for (const [, m] of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: running statistics instead of batch statistics, dropout off. Same as `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  // ------------------------------------------------------------ tensors in and out

  /**
   * Draws every parameter and makes every buffer on `backend`, replacing (and releasing) any held
   * before. Parameter `p` is drawn with the key `rng.fold('params').fold(p)`; each module's random
   * stream (unless it was given one) starts at `rng.fold('stream').fold(modulePath)`.
   *
   * @param backend - where the tensors live.
   * @param options - `seed` or `rng` (one is required), `dtype` (default `float32`).
   * @returns this module.
   */
  init(backend: Backend, options: ModuleInitOptions = {}): this {
    const { seed, rng, dtype = 'float32' } = checkOptions(`${this.constructor.name}.init`, options, { seed: true, rng: true, dtype: true });
    if ((seed === undefined) === (rng === undefined)) {
      throw new InvalidArgumentError(
        `${this.constructor.name}.init: give exactly one of { seed } or { rng } (downhill never draws an unseeded weight)`,
      );
    }
    if (rng !== undefined && !(rng instanceof Rng))
      throw new InvalidArgumentError(`${this.constructor.name}.init: rng must be an Rng from @downhill/initializers`);
    const root = rng ?? rngOf(seed as number);
    const made: Tensor[] = [];
    const rows: [Slot, Tensor][] = [];
    try {
      for (const kind of ['parameter', 'buffer'] as const) {
        for (const { path, slot } of this._slots(kind)) {
          const t = backend.keep(
            slot.init(backend, slot.shape, { dtype, rng: root.fold(kind === 'parameter' ? 'params' : 'buffers').fold(path) }),
          );
          made.push(t);
          rows.push([slot, t]);
        }
      }
    } catch (e) {
      for (const t of made) t.dispose();
      throw e;
    }
    for (const [slot, t] of rows) {
      if (slot.value && !slot.value.disposed) slot.value.dispose();
      slot.value = t;
    }
    for (const [path, m] of this.modules()) {
      if (!m._ownKey) {
        m._key = root.fold('stream').fold(path);
        m._calls = 0;
      }
    }
    return this;
  }

  /**
   * Replaces the parameters with the tensors of `params` (after an optimizer step). Checks first
   * that the tree has exactly this module's parameter names, shapes and dtypes; a failed call
   * changes nothing. The module then owns the new tensors (they are `keep`-ed) and releases old
   * ones the new tree does not hold (already released ones are skipped).
   *
   * @throws InvalidArgumentError for a missing or extra name, ShapeError / DTypeError for a mismatch.
   */
  setParameters(params: Params): void {
    this.swap('parameter', params, 'setParameters');
  }

  /** Replaces the buffers, with the checks and ownership of {@link Module.setParameters}. */
  setBuffers(buffers: Params): void {
    this.swap('buffer', buffers, 'setBuffers');
  }

  private swap(kind: Kind, tree: unknown, where: string): void {
    const slots = this._slots(kind);
    const given = new Map(isBranch(tree) ? flattenTree(tree) : []);
    const rows: [Slot, Tensor][] = [];
    for (const { path, slot } of slots) {
      const t = given.get(path);
      given.delete(path);
      if (!(t instanceof Tensor)) {
        throw new InvalidArgumentError(
          `${this.constructor.name}.${where}: ${kind} '${path}' is ${t instanceof Traced ? 'a traced value (detach it, or take the gradients and step outside grad)' : describeValue(t)}; expected a tensor of shape ${fmtShape(slot.shape)}`,
        );
      }
      if (t.disposed) throw new InvalidArgumentError(`${this.constructor.name}.${where}: ${kind} '${path}' was released`);
      if (!shapesEqual(t.shape, slot.shape))
        throw new ShapeError(
          `${this.constructor.name}.${where}: ${kind} '${path}' has shape ${fmtShape(t.shape)}, expected ${fmtShape(slot.shape)}`,
        );
      const dtype = slot.value && !slot.value.disposed ? slot.value.dtype : undefined;
      if (t.dtype !== 'float32' && t.dtype !== 'float64')
        throw new DTypeError(`${this.constructor.name}.${where}: ${kind} '${path}' is ${t.dtype}, expected float32 or float64`);
      if (dtype !== undefined && t.dtype !== dtype)
        throw new DTypeError(
          `${this.constructor.name}.${where}: ${kind} '${path}' is ${t.dtype}, expected ${dtype} like the tensor it replaces`,
        );
      rows.push([slot, t]);
    }
    if (given.size > 0) {
      throw new InvalidArgumentError(
        `${this.constructor.name}.${where}: the tree has ${kind}(s) this module does not: ${[...given.keys()].map((k) => `'${k}'`).join(', ')}`,
      );
    }
    this._commit(rows);
  }

  /** @internal stores new tensors in slots (keep-ing them) and releases replaced ones no slot holds. */
  _commit(rows: readonly (readonly [Slot, Tensor])[]): void {
    const incoming = new Set(rows.map(([, t]) => t));
    const old: Tensor[] = [];
    for (const [slot, t] of rows) {
      if (slot.value && slot.value !== t) old.push(slot.value);
      if (!t._kept) t.backend.keep(t);
      slot.value = t;
    }
    for (const t of old) if (!incoming.has(t) && !t.disposed) t.dispose();
  }

  /** Releases every parameter and buffer tensor; the module needs `init` or `loadWeights` again. */
  dispose(): void {
    for (const kind of ['parameter', 'buffer'] as const) {
      for (const { slot } of this._slots(kind)) {
        if (slot.value && !slot.value.disposed) slot.value.dispose();
        slot.value = undefined;
      }
    }
  }

  // ------------------------------------------------------------ running

  /**
   * Runs the module on `x` with the parameters `params` (the functional form `grad` needs):
   * `valueAndGrad((p) => loss(model.apply(p, x), y))(model.parameters())`.
   *
   * Buffers: the module's own. In training mode, modules that keep running statistics compute
   * them from the batch (detached: no gradient) and the module stores them when the pass ends,
   * releasing the old ones; `applyFunctional` is the side-effect-free form.
   *
   * Memory: outside `grad` (no traced operand) the pass runs in a scope, so only the output
   * survives: the caller owns it. Under `grad`, `grad`'s own scope does the work.
   *
   * @param params - the parameter tree (`model.parameters()` or the traced tree inside `grad`).
   * @param x - the input.
   * @param options - `training` (default the module's mode) and `rng` (dropout keys).
   * @returns the output.
   */
  apply(params: ParamsLike, x: TensorLike, options: ApplyOptions = {}): TensorLike {
    const { output, updates } = this.runForward(params, undefined, x, options, 'apply');
    // A module run twice in one pass updates its buffers twice: the last value wins.
    const last = new Map<Slot, Tensor>();
    for (const u of updates) {
      const slot = u.module._buffers.get(u.name)!;
      const prev = last.get(slot);
      if (prev && !prev.disposed) prev.dispose();
      last.set(slot, u.value);
    }
    this._commit([...last]);
    return output;
  }

  /**
   * Runs the module without side effects on its buffers: the buffers come in as a tree and the
   * updated tree comes back (Flax's `mutable=['batch_stats']`). Inside `valueAndGrad`, return the
   * new buffers as `aux` (`hasAux: true`) and store them with `setBuffers` after the step.
   *
   * @param params - the parameter tree.
   * @param buffers - the buffer tree (default: the module's own, left untouched).
   * @param x - the input.
   * @param options - `training`, `rng`.
   * @returns `{ output, buffers }`; unchanged leaves are the given handles, updated ones new tensors.
   */
  applyFunctional(params: ParamsLike, buffers: ParamsLike | undefined, x: TensorLike, options: ApplyOptions = {}): FunctionalResult {
    const given = buffers ?? this.buffers();
    const { output, updates } = this.runForward(params, given, x, options, 'applyFunctional');
    const byPath = new Map(updates.map((u) => [u.path, u.value]));
    const out = unflattenTree(flattenTree(given).map(([p, v]) => [p, byPath.get(p) ?? v] as const)) as Params;
    return { output, buffers: out };
  }

  /**
   * Runs the module on `x` with its own parameters: `model.apply(model.parameters(), x, options)`.
   * On a plain tensor the output is a plain `Tensor` (typed so: `.read()` and `dispose` need no
   * cast); on a traced value (inside `grad`) it is a traced value.
   *
   * @example
   * ```ts
   * const logits = model.call(x); // Tensor
   * const probs = await logits.read();
   * ```
   */
  call(x: Tensor, options?: ApplyOptions): Tensor;
  call(x: TensorLike, options?: ApplyOptions): TensorLike;
  call(x: TensorLike, options: ApplyOptions = {}): TensorLike {
    return this.apply(this.parameters(), x, options);
  }

  private runForward(
    params: ParamsLike,
    buffers: ParamsLike | undefined,
    x: TensorLike,
    options: ApplyOptions,
    where: string,
  ): { output: TensorLike; updates: BufferUpdate[] } {
    if (!(x instanceof Tensor || x instanceof Traced))
      throw new InvalidArgumentError(`${this.constructor.name}.${where}: x is ${describeValue(x)}, expected a tensor`);
    if (!isPlainRecord(params))
      throw new InvalidArgumentError(
        `${this.constructor.name}.${where}: params is ${describeValue(params)}, expected a parameter tree (model.parameters())`,
      );
    const { training = this.training, rng } = checkOptions(`${this.constructor.name}.${where}`, options, { training: true, rng: true });
    if (rng !== undefined && !(rng instanceof Rng))
      throw new InvalidArgumentError(`${this.constructor.name}.${where}: rng must be an Rng from @downhill/initializers`);
    // A model without any buffer tensor (a Dropout used on its own before init) runs with none.
    const held = this._slots('buffer').some(({ slot }) => slot.value !== undefined);
    const bufferTree = buffers ?? (held ? this.buffers() : {});
    const run: RunState = { training, rng, updates: [] };
    const traced = x instanceof Traced || flattenTree(params).some(([, v]) => v instanceof Traced);
    const go = () => ({ output: this.forward(x, new Context(this, '', params, bufferTree, run)), values: run.updates.map((u) => u.value) });
    try {
      // Outside grad, a scope releases the intermediates; under grad, grad's scope does (and the tape needs them until then).
      if (traced) return { output: go().output, updates: run.updates };
      const backend = detach(x).backend;
      let { output } = backend.scope(go);
      // An identity pass (Dropout in eval mode) would hand back the caller's x or a parameter: give the output its own handle.
      if (output === x || flattenTree(params).some(([, v]) => v === output)) output = backend.reshape(output as Tensor, output.shape);
      return { output, updates: run.updates };
    } catch (e) {
      for (const u of run.updates) if (!u.value.disposed) u.value.dispose();
      throw e;
    }
  }

  /** @internal the next key of this module's random stream. */
  _nextKey(path: string): Rng {
    return this._keyAt(path, this._calls++);
  }

  /** @internal the key of pass `step` of the module's own stream. */
  _keyAt(path: string, step: number): Rng {
    if (!this._key) {
      throw new InvalidArgumentError(
        `${moduleName(this, path)}: needs random numbers in training mode; pass { rng } to apply, give the module a { seed }, or init the model with a seed`,
      );
    }
    return this._key.fold(step);
  }
}
