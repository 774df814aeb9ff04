import { SPECIFICATION_VERSION, type Backend, type MatmulOptions, type MemoryInfo } from './backend.js';
import { BinaryShorthands } from './binary-shorthands.js';
import { BYTES_PER_ELEMENT, allocateTyped, dtypeOfTyped, isFloatDType, type DType, type HostData } from './dtype.js';
import { checkInt32, hostData } from './host-data.js';
import {
  BackendMismatchError,
  DTypeError,
  DisposedTensorError,
  InvalidArgumentError,
  ShapeError,
  UnsupportedError,
  fmtShape,
} from './errors.js';
import { checkProgram, checkProgramGroups } from './check-program.js';
import { composeConv, composeReduceWindow, composeWindowArgmax } from './compose-windowed.js';
import { convParams, type ConvOptions } from './conv.js';
import { reduceWindowParams, REDUCE_WINDOW_OPS, type ReduceWindowOp, type ReduceWindowOptions } from './reduce-window.js';
import { interpretProgram } from './interpret-program.js';
import type { Kernels } from './kernels.js';
import type { ElementwiseProgram, ProgramGroup, RunProgramOptions } from './program.js';
import { checkOptions } from './options.js';
import {
  ARG_REDUCE_OPS,
  BINARY_OPS,
  COMPARE_OPS,
  INT_BINARY_OPS,
  INT_UNARY_OPS,
  REDUCE_OPS,
  UNARY_OPS,
  type ArgReduceOp,
  type BinaryOp,
  type CompareOp,
  type ReduceOp,
  type UnaryOp,
} from './ops.js';
import {
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
  type Shape,
} from './shape.js';
import { Tensor, forEachTensor, type TensorContainer } from './tensor.js';

const DTYPE_NAMES = new Set<DType>(['float32', 'float64', 'int32', 'bool']);
/** The shape of every scalar, shared. */
const SCALAR_SHAPE: Shape = Object.freeze([]) as Shape;

/**
 * Makes a full {@link Backend} from a {@link Kernels} implementation: validation with typed errors,
 * output shapes, reference-counted storage, scopes and memory counts, written once for every
 * backend.
 *
 * @example
 * ```ts
 * import { defineBackend } from '@downhill/backend';
 * export const cpu = () => defineBackend(new CpuKernels());
 * ```
 */
export function defineBackend(kernels: Kernels): Backend {
  return new CheckedBackend(kernels);
}

/** How many backends of each name this process has made (for {@link Backend.label}). */
const INSTANCES = new Map<string, number>();

/** `add`, `sub`, `mul` and `div` come from {@link BinaryShorthands}. */
class CheckedBackend extends BinaryShorthands implements Backend {
  readonly name: string;
  readonly label: string;
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly capabilities: Kernels['capabilities'];
  private readonly k: Kernels;
  /** Handles per storage: storage is released when its count reaches zero. */
  private readonly refs = new Map<unknown, number>();
  private live = 0;
  private liveBytes = 0;
  /** Open scopes, innermost last; each lists the tensors made while it was innermost. */
  private readonly scopes: Tensor[][] = [];

  constructor(kernels: Kernels) {
    super();
    this.k = kernels;
    this.name = kernels.name;
    const n = (INSTANCES.get(kernels.name) ?? 0) + 1;
    INSTANCES.set(kernels.name, n);
    this.label = `${kernels.name}#${n}`;
    this.capabilities = kernels.capabilities;
  }

  // ---------------------------------------------------------------- lifetime

  private make(storage: unknown, shape: Shape, dtype: DType, scoped = true): Tensor {
    const size = sizeOf(shape);
    // a frozen shape (an operand's, or one frozen here before) is shared, not copied
    const t = new Tensor(this, storage, Object.isFrozen(shape) ? shape : Object.freeze([...shape]), dtype, size);
    const n = this.refs.get(storage);
    if (n === undefined) {
      this.refs.set(storage, 1);
      this.liveBytes += size * BYTES_PER_ELEMENT[dtype];
    } else this.refs.set(storage, n + 1);
    this.live++;
    if (scoped) {
      const top = this.scopes[this.scopes.length - 1];
      if (top) top.push(t);
    }
    return t;
  }

  private release(t: Tensor): void {
    if (t._disposed) return;
    t._disposed = true;
    this.live--;
    const n = this.refs.get(t.storage)!;
    if (n > 1) this.refs.set(t.storage, n - 1);
    else {
      this.refs.delete(t.storage);
      this.liveBytes -= t.size * BYTES_PER_ELEMENT[t.dtype];
      this.k.release(t.storage);
    }
  }

  dispose(x: TensorContainer | object): void {
    if (x instanceof Tensor && x.backend === this) {
      this.release(x); // the common case, without a walk
      return;
    }
    forEachTensor(x, (t) => {
      if (t.backend !== this) {
        throw new BackendMismatchError(
          `${this.name}.dispose: ${t} belongs to backend '${t.backend.label}', not to this one ('${this.label}')`,
        );
      }
      this.release(t);
    });
  }

  keep<T extends Tensor>(x: T): T {
    this.own(x, 'keep');
    x._kept = true;
    return x;
  }

  scope<T>(fn: () => T): T {
    const frame: Tensor[] = [];
    this.scopes.push(frame);
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.scopes.pop();
      for (const t of frame) if (!t._kept) this.release(t);
      throw e;
    }
    this.scopes.pop();
    if (result instanceof Promise) {
      for (const t of frame) if (!t._kept) this.release(t);
      throw new InvalidArgumentError(`${this.name}.scope: the function returned a Promise; scopes take synchronous functions only`);
    }
    // Nothing made in this scope: nothing to release or hand up (the common case of a scope
    // around code that only passes tensors through).
    if (frame.length === 0) return result;
    const keepSet = new Set<Tensor>();
    forEachTensor(result, (t) => keepSet.add(t));
    const parent = this.scopes[this.scopes.length - 1];
    for (const t of frame) {
      if (keepSet.has(t)) {
        if (parent) parent.push(t);
      } else if (!t._kept) this.release(t);
    }
    return result;
  }

  memory(): MemoryInfo {
    return { tensors: this.live, storages: this.refs.size, bytes: this.k.bytesInUse?.() ?? this.liveBytes };
  }

  // ---------------------------------------------------------------- checks

  private own(t: Tensor, where: string): Tensor {
    if (!(t instanceof Tensor)) {
      throw new InvalidArgumentError(`${this.name}.${where}: expected a Tensor, got ${describe(t)}`);
    }
    if (t.backend !== this) {
      throw new BackendMismatchError(
        `${this.name}.${where}: ${t} belongs to backend '${t.backend.label}', not to this one ('${this.label}'); move it with tensor(await x.read(), x.shape, x.dtype) on '${this.label}'`,
      );
    }
    if (t._disposed) {
      throw new DisposedTensorError(`${this.name}.${where}: ${t} was used after it was released`);
    }
    return t;
  }

  private checkDType(dtype: DType, where: string): void {
    if (!DTYPE_NAMES.has(dtype)) {
      throw new DTypeError(`${this.name}.${where}: unknown dtype '${String(dtype)}' (expected float32, float64, int32 or bool)`);
    }
    if (dtype === 'float64' && !this.capabilities.float64) {
      throw new UnsupportedError(
        `${this.name}.${where}: backend '${this.name}' has no float64; use float32 or a backend that declares float64 (cpu)`,
      );
    }
  }

  /**
   * Turns number operands into scalars of the other operand's dtype; checks the pair. An int32
   * tensor with a number that is not an integer (0.5, NaN, ±∞) is promoted to float32 first, as
   * PyTorch, JAX and TensorFlow.js promote an integer tensor with a float scalar: `add(ints, 0.5)`
   * is a float32 tensor, never `add(ints, 0)`.
   */
  private pair(a: Tensor | number, b: Tensor | number, where: string): [Tensor, Tensor, Tensor[]] {
    const temps: Tensor[] = [];
    if (typeof a === 'number' && typeof b === 'number') {
      throw new InvalidArgumentError(`${this.name}.${where}: at least one operand must be a tensor, got two numbers`);
    }
    let ta: Tensor;
    let tb: Tensor;
    if (typeof a === 'number') {
      tb = this.promoted(this.own(b as Tensor, where), a, temps);
      ta = this.constant(a, tb.dtype, temps, where);
    } else if (typeof b === 'number') {
      ta = this.promoted(this.own(a, where), b, temps);
      tb = this.constant(b, ta.dtype, temps, where);
    } else {
      ta = this.own(a, where);
      tb = this.own(b, where);
    }
    if (ta.dtype !== tb.dtype) {
      this.dispose(temps);
      throw new DTypeError(`${this.name}.${where}: operands have dtypes ${ta.dtype} and ${tb.dtype}; cast one so they match`);
    }
    return [ta, tb, temps];
  }

  /** `t` as float32 where it is int32 and its number operand `value` is not an integer (a temporary), else `t`. */
  private promoted(t: Tensor, value: number, temps: Tensor[]): Tensor {
    if (t.dtype !== 'int32' || typeof value !== 'number' || Number.isInteger(value)) return t;
    const f = this.make(this.k.cast(t, 'float32'), t.shape, 'float32', false);
    temps.push(f);
    return f;
  }

  /** A number operand as a scalar of `dtype` (an int32 one must fit, as in `full`). */
  private constant(value: number, dtype: DType, temps: Tensor[], where: string): Tensor {
    if (typeof value !== 'number') throw new InvalidArgumentError(`${this.name}.${where}: expected a number, got ${describe(value)}`);
    if (dtype === 'int32') checkInt32(value, 'the number operand', `${this.name}.${where}`);
    const data = allocateTyped(dtype, 1);
    data[0] = dtype === 'bool' ? (value !== 0 ? 1 : 0) : value; // as toTyped: NaN is true
    // outside every scope: the temporary is released when the op is done
    const t = this.make(this.k.fromData(data, SCALAR_SHAPE, dtype), SCALAR_SHAPE, dtype, false);
    temps.push(t);
    return t;
  }

  /** The broadcast shape of two operands (theirs, shared, where they agree); releases `temps` on a mismatch. */
  private broadcastPair(ta: Tensor, tb: Tensor, op: string, temps: Tensor[]): Shape {
    if (shapesEqual(ta.shape, tb.shape)) return ta.shape;
    if (tb.rank === 0) return ta.shape;
    if (ta.rank === 0) return tb.shape;
    try {
      return broadcastShapes(ta.shape, tb.shape, `${this.name}.${op}`);
    } catch (e) {
      this.dispose(temps);
      throw e;
    }
  }

  private done<T>(result: T, temps: Tensor[]): T {
    for (const t of temps) this.release(t);
    return result;
  }

  // ---------------------------------------------------------------- creation

  tensor(data: HostData, shape?: Shape, dtype?: DType): Tensor {
    if (data === null || typeof data !== 'object' || typeof (data as ArrayLike<number>).length !== 'number') {
      throw new InvalidArgumentError(`${this.name}.tensor: expected a typed array or an array of numbers, got ${describe(data)}`);
    }
    const dt = dtype ?? dtypeOfTyped(data) ?? 'float32';
    this.checkDType(dt, 'tensor');
    const sh = shape ?? [data.length];
    checkShape(sh, `${this.name}.tensor`);
    if (sizeOf(sh) !== data.length) {
      throw new ShapeError(`${this.name}.tensor: shape ${fmtShape(sh)} needs ${sizeOf(sh)} elements but the data has ${data.length}`);
    }
    return this.make(this.k.fromData(hostData(data, dt, `${this.name}.tensor`), sh, dt), sh, dt);
  }

  scalar(value: number | boolean, dtype: DType = 'float32'): Tensor {
    return this.tensor([typeof value === 'boolean' ? Number(value) : value], [], dtype);
  }

  full(shape: Shape, value: number | boolean, dtype: DType = 'float32'): Tensor {
    checkShape(shape, `${this.name}.full`);
    this.checkDType(dtype, 'full');
    if (typeof value === 'boolean') value = value ? 1 : 0;
    if (typeof value !== 'number')
      throw new InvalidArgumentError(`${this.name}.full: expected a number or a boolean value, got ${describe(value)}`);
    if (dtype === 'int32') checkInt32(value, 'the value', `${this.name}.full`);
    return this.make(this.k.fill(shape, value, dtype), shape, dtype);
  }

  zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
    return this.full(shape, 0, dtype);
  }

  ones(shape: Shape, dtype: DType = 'float32'): Tensor {
    return this.full(shape, 1, dtype);
  }

  /** An op name from outside the type system (JavaScript callers, casts): refused by name, with the valid ones listed. */
  private checkOp(kind: string, op: string, valid: readonly string[]): void {
    if (!valid.includes(op))
      throw new InvalidArgumentError(`${this.name}.${kind}: unknown op ${JSON.stringify(op)}; expected one of ${valid.join(', ')}`);
  }

  // ---------------------------------------------------------------- elementwise

  unary(op: UnaryOp, x: Tensor): Tensor {
    this.checkOp('unary', op, UNARY_OPS);
    this.own(x, op);
    if (!(isFloatDType(x.dtype) || (x.dtype === 'int32' && INT_UNARY_OPS.has(op)))) {
      throw new DTypeError(`${this.name}.${op}: expected a float tensor${INT_UNARY_OPS.has(op) ? ' or int32' : ''}, got ${x}`);
    }
    return this.make(this.k.unary(op, x), x.shape, x.dtype);
  }

  binary(op: BinaryOp, a: Tensor | number, b: Tensor | number): Tensor {
    this.checkOp('binary', op, BINARY_OPS);
    const [ta, tb, temps] = this.pair(a, b, op);
    if (!(isFloatDType(ta.dtype) || (ta.dtype === 'int32' && INT_BINARY_OPS.has(op)))) {
      this.dispose(temps);
      throw new DTypeError(`${this.name}.${op}: expected float operands${INT_BINARY_OPS.has(op) ? ' or int32' : ''}, got ${ta} and ${tb}`);
    }
    const out = this.broadcastPair(ta, tb, op, temps);
    return this.done(this.make(this.k.binary(op, ta, tb, out), out, ta.dtype), temps);
  }

  compare(op: CompareOp, a: Tensor | number, b: Tensor | number): Tensor {
    this.checkOp('compare', op, COMPARE_OPS);
    const [ta, tb, temps] = this.pair(a, b, op);
    const out = this.broadcastPair(ta, tb, op, temps);
    return this.done(this.make(this.k.compare(op, ta, tb, out), out, 'bool'), temps);
  }

  where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
    this.own(cond, 'where');
    if (cond.dtype !== 'bool') throw new DTypeError(`${this.name}.where: the condition must be bool, got ${cond}`);
    // Two numbers: both branches are float32 scalars, as in `where(cond, 1, 0)`.
    const [ta, tb, temps] =
      typeof a === 'number' && typeof b === 'number'
        ? this.pair(this.constant(a, 'float32', [], 'where'), b, 'where')
        : this.pair(a, b, 'where');
    if (typeof a === 'number' && typeof b === 'number') temps.push(ta);
    let out: Shape;
    try {
      out = broadcastShapes(broadcastShapes(cond.shape, ta.shape, `${this.name}.where`), tb.shape, `${this.name}.where`);
    } catch (e) {
      this.dispose(temps);
      throw e;
    }
    return this.done(this.make(this.k.where(cond, ta, tb, out), out, ta.dtype), temps);
  }

  cast(x: Tensor, dtype: DType): Tensor {
    this.own(x, 'cast');
    this.checkDType(dtype, 'cast');
    return this.make(this.k.cast(x, dtype), x.shape, dtype);
  }

  // ---------------------------------------------------------------- reductions

  reduce(op: ReduceOp, x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
    this.checkOp('reduce', op, REDUCE_OPS);
    this.own(x, op);
    if (x.dtype === 'bool' || (op === 'sum' && !isFloatDType(x.dtype) && x.dtype !== 'int32')) {
      throw new DTypeError(`${this.name}.${op}: expected a float or int32 tensor, got ${x}; cast it first`);
    }
    const ax = normalizeAxes(axes, x.rank, `${this.name}.${op}`);
    const out = reducedShape(x.shape, ax, keepDims);
    if (op !== 'sum' && ax.some((a) => x.shape[a] === 0)) {
      throw new ShapeError(`${this.name}.${op}: cannot take the ${op} over an axis of size 0 (${x})`);
    }
    if (ax.length === 0) return this.make(this.k.reshape(x, out), out, x.dtype);
    return this.make(this.k.reduce(op, x, ax, out), out, x.dtype);
  }

  argReduce(op: ArgReduceOp, x: Tensor, axis: number): Tensor {
    this.checkOp('argReduce', op, ARG_REDUCE_OPS);
    this.own(x, op);
    if (x.dtype === 'bool') throw new DTypeError(`${this.name}.${op}: expected a float or int32 tensor, got ${x}`);
    const ax = normalizeAxis(axis, x.rank, `${this.name}.${op}`);
    if (x.rank === 0) throw new ShapeError(`${this.name}.${op}: needs a tensor of rank 1 or more, got ${x}`);
    if (x.shape[ax] === 0) throw new ShapeError(`${this.name}.${op}: axis ${ax} of ${x} has size 0`);
    const out = reducedShape(x.shape, [ax], false);
    return this.make(this.k.argReduce(op, x, ax, out), out, 'int32');
  }

  // ---------------------------------------------------------------- layout

  reshape(x: Tensor, shape: Shape): Tensor {
    this.own(x, 'reshape');
    const inferred = shape.indexOf(-1);
    let out = [...shape];
    if (inferred >= 0) {
      if (shape.indexOf(-1, inferred + 1) >= 0)
        throw new InvalidArgumentError(`${this.name}.reshape: only one dimension may be -1, got ${fmtShape(shape)}`);
      const known = sizeOf(shape.filter((_, i) => i !== inferred));
      if (known === 0 || x.size % known !== 0) {
        throw new ShapeError(`${this.name}.reshape: cannot reshape ${x} to ${fmtShape(shape)}`);
      }
      out[inferred] = x.size / known;
    }
    checkShape(out, `${this.name}.reshape`);
    if (sizeOf(out) !== x.size) {
      throw new ShapeError(
        `${this.name}.reshape: cannot reshape ${x} (${x.size} elements) to ${fmtShape(shape)} (${sizeOf(out)} elements)`,
      );
    }
    out = Object.freeze(out) as number[];
    return this.make(this.k.reshape(x, out), out, x.dtype);
  }

  transpose(x: Tensor, perm?: readonly number[]): Tensor {
    this.own(x, 'transpose');
    const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
    checkPermutation(p, x.rank);
    const out = p.map((i) => x.shape[i]);
    return this.make(this.k.transpose(x, p, out), out, x.dtype);
  }

  broadcastTo(x: Tensor, shape: Shape): Tensor {
    this.own(x, 'broadcastTo');
    checkShape(shape, `${this.name}.broadcastTo`);
    if (!broadcastsTo(x.shape, shape)) {
      throw new ShapeError(`${this.name}.broadcastTo: ${x} does not broadcast to ${fmtShape(shape)}`);
    }
    if (shapesEqual(x.shape, shape)) return this.make(this.k.reshape(x, shape), shape, x.dtype);
    return this.make(this.k.broadcastTo(x, shape), shape, x.dtype);
  }

  slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
    this.own(x, 'slice');
    if (begin.length !== x.rank || (size && size.length !== x.rank)) {
      throw new ShapeError(
        `${this.name}.slice: ${x} needs ${x.rank} begin and size entries, got begin ${fmtShape(begin)} and size ${size ? fmtShape(size) : 'none'}`,
      );
    }
    const sz = x.shape.map((d: number, i: number) => (size === undefined || size[i] === -1 ? d - begin[i] : size[i]));
    for (let i = 0; i < x.rank; i++) {
      if (!Number.isInteger(begin[i]) || !Number.isInteger(sz[i]) || begin[i] < 0 || sz[i] < 0 || begin[i] + sz[i] > x.shape[i]) {
        throw new ShapeError(`${this.name}.slice: begin ${fmtShape(begin)} and size ${fmtShape(sz)} fall outside ${x} on axis ${i}`);
      }
    }
    return this.make(this.k.slice(x, begin, sz), sz, x.dtype);
  }

  pad(x: Tensor, paddings: readonly (readonly [number, number])[], value = 0): Tensor {
    this.own(x, 'pad');
    if (paddings.length !== x.rank || paddings.some((p) => p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0))) {
      throw new InvalidArgumentError(
        `${this.name}.pad: ${x} needs ${x.rank} pairs of non-negative integers, got ${JSON.stringify(paddings)}`,
      );
    }
    const out = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
    return this.make(this.k.pad(x, paddings, value, out), out, x.dtype);
  }

  concat(xs: readonly Tensor[], axis = 0): Tensor {
    if (!Array.isArray(xs) || xs.length === 0) throw new InvalidArgumentError(`${this.name}.concat: expected a non-empty array of tensors`);
    for (const x of xs) this.own(x, 'concat');
    const first = xs[0];
    const ax = normalizeAxis(axis, first.rank, `${this.name}.concat`);
    if (first.rank === 0) throw new ShapeError(`${this.name}.concat: cannot concatenate scalars; reshape them to [1] first`);
    const out = [...first.shape];
    out[ax] = 0;
    for (const x of xs) {
      if (x.dtype !== first.dtype) throw new DTypeError(`${this.name}.concat: dtypes differ: ${first} and ${x}`);
      if (x.rank !== first.rank || x.shape.some((d: number, i: number) => i !== ax && d !== first.shape[i])) {
        throw new ShapeError(`${this.name}.concat: shapes ${fmtShape(first.shape)} and ${fmtShape(x.shape)} differ outside axis ${ax}`);
      }
      out[ax] += x.shape[ax];
    }
    return this.make(this.k.concat(xs, ax, out), out, first.dtype);
  }

  gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
    this.own(x, 'gather');
    this.own(indices, 'gather');
    if (indices.dtype !== 'int32') throw new DTypeError(`${this.name}.gather: indices must be int32, got ${indices}`);
    const ax = normalizeAxis(axis, x.rank, `${this.name}.gather`);
    if (x.rank === 0) throw new ShapeError(`${this.name}.gather: cannot gather from a scalar`);
    const out = [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)];
    return this.make(this.k.gather(x, indices, ax, out), out, x.dtype);
  }

  scatterAdd(updates: Tensor, indices: Tensor, axis: number, size: number): Tensor {
    this.own(updates, 'scatterAdd');
    this.own(indices, 'scatterAdd');
    if (indices.dtype !== 'int32') throw new DTypeError(`${this.name}.scatterAdd: indices must be int32, got ${indices}`);
    if (!isFloatDType(updates.dtype) && updates.dtype !== 'int32')
      throw new DTypeError(`${this.name}.scatterAdd: updates must be float or int32, got ${updates}`);
    if (!Number.isInteger(size) || size < 0)
      throw new InvalidArgumentError(`${this.name}.scatterAdd: size must be a non-negative integer, got ${size}`);
    const outRank = updates.rank - indices.rank + 1;
    const ax = normalizeAxis(axis, outRank, `${this.name}.scatterAdd`);
    const mid = updates.shape.slice(ax, ax + indices.rank);
    if (outRank < 1 || !shapesEqual(mid, indices.shape)) {
      throw new ShapeError(`${this.name}.scatterAdd: ${updates} does not hold indices of shape ${fmtShape(indices.shape)} at axis ${ax}`);
    }
    const out = [...updates.shape.slice(0, ax), size, ...updates.shape.slice(ax + indices.rank)];
    return this.make(this.k.scatterAdd(updates, indices, ax, out), out, updates.dtype);
  }

  matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
    checkOptions(`${this.name}.matmul`, options, { transposeA: true, transposeB: true });
    this.own(a, 'matmul');
    this.own(b, 'matmul');
    if (a.dtype !== b.dtype || !isFloatDType(a.dtype)) {
      throw new DTypeError(`${this.name}.matmul: expected two float tensors of one dtype, got ${a} and ${b}`);
    }
    const ta = options.transposeA ?? false;
    const tb = options.transposeB ?? false;
    const out = matmulShape(a.shape, b.shape, ta, tb);
    return this.make(this.k.matmul(a, b, ta, tb, out), out, a.dtype);
  }

  // ---------------------------------------------------------------- windows

  conv(lhs: Tensor, rhs: Tensor, options: ConvOptions = {}): Tensor {
    const where = `${this.name}.conv`;
    this.own(lhs, 'conv');
    this.own(rhs, 'conv');
    if (lhs.dtype !== rhs.dtype || !isFloatDType(lhs.dtype)) {
      throw new DTypeError(`${where}: expected an input and a kernel of one float dtype, got ${lhs} and ${rhs}`);
    }
    const { params, outShape } = convParams(lhs.shape, rhs.shape, options, where);
    const out = Object.freeze(outShape) as number[];
    const storage = this.k.conv?.(lhs, rhs, params, out);
    if (storage !== undefined) return this.make(storage, out, lhs.dtype);
    return this.scope(() => composeConv(this, lhs, rhs, params, out));
  }

  reduceWindow(op: ReduceWindowOp, x: Tensor, options: ReduceWindowOptions): Tensor {
    const where = `${this.name}.reduceWindow`;
    if (!REDUCE_WINDOW_OPS.includes(op)) {
      throw new InvalidArgumentError(`${where}: op must be one of ${REDUCE_WINDOW_OPS.join(', ')}, got ${describe(op)}`);
    }
    this.own(x, 'reduceWindow');
    if (!isFloatDType(x.dtype)) throw new DTypeError(`${where}: expected a float tensor, got ${x}`);
    const { params, outShape } = reduceWindowParams(x.shape, options, where);
    const out = Object.freeze(outShape) as number[];
    const storage = this.k.reduceWindow?.(op, x, params, out);
    if (storage !== undefined) return this.make(storage, out, x.dtype);
    return this.scope(() => composeReduceWindow(this, op, x, params, out));
  }

  windowArgmax(x: Tensor, options: ReduceWindowOptions): Tensor {
    const where = `${this.name}.windowArgmax`;
    this.own(x, 'windowArgmax');
    if (!isFloatDType(x.dtype)) throw new DTypeError(`${where}: expected a float tensor, got ${x}`);
    const { params, outShape } = reduceWindowParams(x.shape, options, where);
    const out = Object.freeze(outShape) as number[];
    const storage = this.k.windowArgmax?.(x, params, out);
    if (storage !== undefined) return this.make(storage, out, 'int32');
    return this.scope(() => composeWindowArgmax(this, x, params, out));
  }

  // ---------------------------------------------------------------- programs

  runProgram(program: ElementwiseProgram, groups: readonly ProgramGroup<Tensor>[], options: RunProgramOptions = {}): Tensor[][] {
    const where = `${this.name}.runProgram`;
    checkOptions(where, options, { inPlace: true });
    checkProgram(program, where);
    checkProgramGroups(program, groups, where);
    for (let gi = 0; gi < groups.length; gi++) {
      const inputs = groups[gi].inputs;
      for (let ti = 0; ti < inputs.length; ti++) {
        const t = inputs[ti]; // a Tensor (checked above): the label is made only for the error
        if (t.backend !== this || t._disposed) this.own(t, `runProgram (group ${gi} input ${ti})`);
      }
    }
    const asked = options.inPlace;
    if (asked !== undefined) {
      if (!Array.isArray(asked) || asked.length > program.outputs.length) {
        throw new InvalidArgumentError(
          `${where}: inPlace must be an array of at most ${program.outputs.length} entries (one per output), got ${describe(asked)}`,
        );
      }
      const seen = new Set<number>();
      asked.forEach((ix, o) => {
        if (ix === undefined) return;
        if (!Number.isInteger(ix) || ix < 0 || ix >= program.inputs) {
          throw new InvalidArgumentError(
            `${where}: inPlace[${o}] must be an input index in [0, ${program.inputs}) or undefined, got ${describe(ix)}`,
          );
        }
        if (seen.has(ix)) throw new InvalidArgumentError(`${where}: inPlace names input ${ix} for two outputs`);
        seen.add(ix);
      });
    }
    if (!this.capabilities.programs || !this.k.runProgram) return interpretProgram(this, program, groups);
    // In place only where no other handle and no other input of this call shares the storage.
    let plan: (number | undefined)[][];
    if (asked?.some((ix) => ix !== undefined) && this.capabilities.inPlace) {
      const uses = new Map<unknown, number>();
      for (const g of groups) for (const t of g.inputs) uses.set(t.storage, (uses.get(t.storage) ?? 0) + 1);
      plan = groups.map((g) =>
        program.outputs.map((_, o) => {
          const ix = asked[o];
          if (ix === undefined) return undefined;
          const s = g.inputs[ix].storage;
          return uses.get(s) === 1 && this.refs.get(s) === 1 ? ix : undefined;
        }),
      );
    } else {
      const none = program.outputs.map(() => undefined);
      plan = groups.map(() => none);
    }
    const storages = this.k.runProgram(program, groups, plan);
    if (storages === undefined) return interpretProgram(this, program, groups);
    return groups.map((g, gi) => {
      const { shape, dtype } = g.inputs[0];
      return program.outputs.map((_, o) => {
        const ix = plan[gi][o];
        return ix !== undefined ? g.inputs[ix] : this.make(storages[gi][o], shape, dtype);
      });
    });
  }

  // ---------------------------------------------------------------- read-back

  read(x: Tensor) {
    try {
      this.own(x, 'read');
    } catch (e) {
      return Promise.reject(e);
    }
    return this.k.read(x);
  }

  readSync(x: Tensor) {
    this.own(x, 'readSync');
    if (!this.capabilities.syncRead || !this.k.readSync) {
      throw new UnsupportedError(`${this.name}.readSync: backend '${this.name}' reads back asynchronously; use await backend.read(x)`);
    }
    return this.k.readSync(x);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Tensor) return v.toString();
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'Object'})`;
  return `${typeof v} ${String(v)}`;
}
