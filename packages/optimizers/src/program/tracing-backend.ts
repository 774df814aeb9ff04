import {
  DisposedTensorError,
  Tensor,
  broadcastShapes,
  isFloatDType,
  shapesEqual,
  type ArgReduceOp,
  type Backend,
  type BinaryOp,
  type CompareOp,
  type ConvOptions,
  type DType,
  type ElementwiseProgram,
  type HostData,
  type MatmulOptions,
  type ProgramGroup,
  type ReduceOp,
  type ReduceWindowOp,
  type ReduceWindowOptions,
  type RunProgramOptions,
  type Shape,
  type TypedArray,
  type UnaryOp,
} from '@downhill/backend';
import { buildProgram } from './build-program.js';
import { StandInBackend } from './stand-in-backend.js';
import type { TapeOp, TapeRecorder } from './step-tape.js';
import { isLazy, type TraceNode } from './trace-node.js';

/**
 * A backend that records instead of running: the `Backend` a transformation's closures see while
 * `step` traces an update (as JAX traces a function). Tensors it hands out stand for
 * {@link TraceNode}s. Elementwise math on a step's tensors (`unary`, `binary`, `compare`, `where`,
 * `add`/`sub`/`mul`/`div`, same-dtype `cast`, same-shape `reshape`) is recorded; every number
 * operand becomes a program scalar. Anything else (reductions, reshapes, matmul, reads) first
 * materializes its operands (runs the recorded program for them on the real backend) and then runs
 * on the real backend; a rank-0 result combined with a step's tensors enters the program as a
 * scalar (read back where the backend reads synchronously, broadcast as an input elsewhere).
 * Values that do not depend on the step's tensors are computed at once.
 *
 * So a transformation written once with the backend's elementwise ops is both its composed form
 * (run with real tensors) and its update program (run with traced ones): the two cannot drift.
 *
 * Lifetimes: `scope` runs its function, `dispose` marks handles released and `keep` returns its
 * argument; the real tensors made while tracing live until the enclosing real scope of `step`
 * ends.
 *
 * @internal
 */
export class TracingBackend extends StandInBackend implements Backend {
  /** Union-find over components (see `TraceNode.comp`). */
  private readonly parent: number[] = [];
  /** The component of each leaf tensor, so one tensor wrapped twice joins one component. */
  private readonly leafComp = new Map<Tensor, number>();

  /**
   * @param real - The backend the recorded math runs on.
   * @param tape - Where the calls are recorded for the step cache (see {@link TapeRecorder}).
   */
  constructor(
    real: Backend,
    readonly tape?: TapeRecorder,
  ) {
    super(real);
  }

  // ---------------------------------------------------------------- handles

  /** The representative of a component. */
  find(c: number): number {
    const p = this.parent;
    while (p[c] !== c) c = p[c] = p[p[c]];
    return c;
  }

  private join(...nodes: TraceNode[]): number {
    let root = -1;
    for (const n of nodes) {
      if (n.comp < 0) continue;
      const r = this.find(n.comp);
      if (root < 0) root = r;
      else if (r !== root) this.parent[r] = root;
    }
    return root;
  }

  private leaf(tensor: Tensor, fusable: boolean, shape: Shape = tensor.shape, dtype: DType = tensor.dtype): TraceNode {
    let comp = this.leafComp.get(tensor);
    if (comp === undefined) {
      comp = this.parent.length;
      this.parent.push(comp);
      this.leafComp.set(tensor, comp);
    }
    return { kind: 'leaf', tensor, fusable, shape, dtype, comp };
  }

  /** A traced handle on a node. */
  wrap(node: TraceNode): Tensor {
    let size = 1;
    for (const d of node.shape) size *= d;
    return new Tensor(this, node, node.shape, node.dtype, size);
  }

  /** A traced handle on a step's real tensor (a parameter, a gradient, a state slot). */
  input(t: Tensor): Tensor {
    const node = this.leaf(t, true);
    this.tape?.leaf(node, t);
    return this.wrap(node);
  }

  private feed(t: Tensor, fusable = false): Tensor {
    if (this.tape) this.tape.replayable = false;
    return this.wrap(this.leaf(t, fusable));
  }

  /** Marks the step as one the step cache cannot replay (something ran for real while tracing). */
  private unreplayable(): void {
    if (this.tape) this.tape.replayable = false;
  }

  /** The node behind a tensor handed to this backend (a real tensor becomes a host-value leaf). */
  node(x: Tensor): TraceNode {
    if (x.backend === this) {
      if (x.disposed) throw new DisposedTensorError(`${this.name} (tracing): ${x} was released`);
      return x.storage as TraceNode;
    }
    this.unreplayable();
    return this.leaf(x, false);
  }

  /** The real tensor a node stands for, running its program on the real backend if needed. */
  materialize(n: TraceNode): Tensor {
    switch (n.kind) {
      case 'leaf':
        return n.tensor;
      case 'scalar':
        this.unreplayable();
        return this.real.scalar(n.value, n.dtype);
      case 'compare':
        this.unreplayable();
        n.real ??= this.real.compare(n.fn, this.operand(n.a), this.operand(n.b));
        return n.real;
      default: {
        this.unreplayable();
        if (n.real) return n.real;
        const built = buildProgram([n]);
        n.real = this.real.runProgram(built.program, [{ inputs: built.inputs, scalars: built.scalars }])[0][0];
        return n.real;
      }
    }
  }

  private operand(n: TraceNode): Tensor | number {
    return n.kind === 'scalar' ? n.value : this.materialize(n);
  }

  private realArg(x: Tensor | number): Tensor | number {
    return typeof x === 'number' ? x : this.materialize(this.node(x));
  }

  private lazy(...xs: (Tensor | number)[]): boolean {
    return xs.some((x) => typeof x !== 'number' && isLazy(this.node(x)));
  }

  /** Runs on the real backend; the result is fusable when an operand was. */
  private delegate(args: readonly (Tensor | number)[], run: () => Tensor): Tensor {
    return this.feed(run(), this.lazy(...args));
  }

  /** The node of an operand broadcast into a recorded op of `shape` and `dtype`. */
  private operandNode(x: Tensor | number, shape: Shape, dtype: DType): TraceNode {
    if (typeof x === 'number') {
      const literal: TraceNode = { kind: 'scalar', value: x, shape: [], dtype, comp: -1 };
      this.tape?.literals.push(literal);
      return literal;
    }
    const n = this.node(x);
    if (shapesEqual(n.shape, shape)) return n;
    this.unreplayable();
    const real = this.materialize(n);
    if (n.shape.reduce((a, b) => a * b, 1) === 1 && this.real.capabilities.syncRead) {
      return { kind: 'scalar', value: this.real.readSync(real)[0], shape: [], dtype, comp: -1 };
    }
    return this.leaf(this.real.broadcastTo(real, shape), true, shape, dtype);
  }

  /** The common float dtype of the tensor operands, or `undefined` when they do not share one. */
  private floatDType(...xs: (Tensor | number)[]): DType | undefined {
    let dtype: DType | undefined;
    for (const x of xs) {
      if (typeof x === 'number') continue;
      if (!isFloatDType(x.dtype) || (dtype !== undefined && dtype !== x.dtype)) return undefined;
      dtype = x.dtype;
    }
    return dtype;
  }

  // ---------------------------------------------------------------- recorded elementwise math

  /** A handle on `out`, the result of a recorded call, noted on the tape when there is one. */
  private recorded(op: TapeOp, fn: string, args: readonly TraceNode[], out: TraceNode, shapeArg?: Shape): Tensor {
    this.tape?.record(
      op,
      fn,
      args.map((a) => (a.kind === 'scalar' ? a.value : a)),
      out,
      shapeArg,
    );
    return this.wrap(out);
  }

  unary(op: UnaryOp, x: Tensor): Tensor {
    const n = this.node(x);
    if (!isLazy(n) || !isFloatDType(x.dtype)) return this.delegate([x], () => this.real.unary(op, this.materialize(n)));
    return this.recorded('unary', op, [n], { kind: 'unary', fn: op, x: n, shape: n.shape, dtype: n.dtype, comp: this.join(n) });
  }

  binary(op: BinaryOp, a: Tensor | number, b: Tensor | number): Tensor {
    const dtype = this.floatDType(a, b);
    if (!this.lazy(a, b) || dtype === undefined) return this.delegate([a, b], () => this.real.binary(op, this.realArg(a), this.realArg(b)));
    const shape = broadcastShapes(typeof a === 'number' ? [] : a.shape, typeof b === 'number' ? [] : b.shape);
    const [na, nb] = [this.operandNode(a, shape, dtype), this.operandNode(b, shape, dtype)];
    return this.recorded('binary', op, [na, nb], { kind: 'binary', fn: op, a: na, b: nb, shape, dtype, comp: this.join(na, nb) });
  }

  compare(op: CompareOp, a: Tensor | number, b: Tensor | number): Tensor {
    const dtype = this.floatDType(a, b);
    if (!this.lazy(a, b) || dtype === undefined)
      return this.delegate([a, b], () => this.real.compare(op, this.realArg(a), this.realArg(b)));
    const shape = broadcastShapes(typeof a === 'number' ? [] : a.shape, typeof b === 'number' ? [] : b.shape);
    const [na, nb] = [this.operandNode(a, shape, dtype), this.operandNode(b, shape, dtype)];
    return this.recorded('compare', op, [na, nb], { kind: 'compare', fn: op, a: na, b: nb, shape, dtype: 'bool', comp: this.join(na, nb) });
  }

  where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
    const c = this.node(cond);
    const dtype = typeof a === 'number' && typeof b === 'number' ? 'float32' : this.floatDType(a, b);
    const shape = broadcastShapes(cond.shape, broadcastShapes(typeof a === 'number' ? [] : a.shape, typeof b === 'number' ? [] : b.shape));
    if (!this.lazy(cond, a, b) || dtype === undefined || c.kind !== 'compare' || !shapesEqual(c.shape, shape)) {
      return this.delegate([cond, a, b], () => this.real.where(this.materialize(c), this.realArg(a), this.realArg(b)));
    }
    const [na, nb] = [this.operandNode(a, shape, dtype), this.operandNode(b, shape, dtype)];
    return this.recorded('where', '', [c, na, nb], { kind: 'where', cond: c, a: na, b: nb, shape, dtype, comp: this.join(c, na, nb) });
  }

  cast(x: Tensor, dtype: DType): Tensor {
    const n = this.node(x);
    if (isLazy(n) && x.dtype === dtype) return this.recorded('cast', dtype, [n], n);
    if (n.kind === 'compare' && isFloatDType(dtype)) {
      const one: TraceNode = { kind: 'scalar', value: 1, shape: [], dtype, comp: -1 };
      const zero: TraceNode = { kind: 'scalar', value: 0, shape: [], dtype, comp: -1 };
      return this.recorded('cast', dtype, [n], { kind: 'where', cond: n, a: one, b: zero, shape: n.shape, dtype, comp: n.comp });
    }
    return this.delegate([x], () => this.real.cast(this.materialize(n), dtype));
  }

  reshape(x: Tensor, shape: Shape): Tensor {
    const n = this.node(x);
    if (isLazy(n) && shapesEqual(shape, x.shape)) return this.recorded('reshape', '', [n], n, shape);
    return this.delegate([x], () => this.real.reshape(this.materialize(n), shape));
  }

  broadcastTo(x: Tensor, shape: Shape): Tensor {
    const n = this.node(x);
    if (isLazy(n) && shapesEqual(shape, x.shape)) return this.recorded('broadcastTo', '', [n], n, shape);
    return this.delegate([x], () => this.real.broadcastTo(this.materialize(n), shape));
  }

  // ---------------------------------------------------------------- everything else runs for real

  tensor(data: HostData, shape?: Shape, dtype?: DType): Tensor {
    return this.feed(this.real.tensor(data, shape, dtype));
  }
  scalar(value: number | boolean, dtype?: DType): Tensor {
    return this.feed(this.real.scalar(value, dtype));
  }
  full(shape: Shape, value: number | boolean, dtype?: DType): Tensor {
    return this.feed(this.real.full(shape, value, dtype));
  }
  zeros(shape: Shape, dtype?: DType): Tensor {
    return this.feed(this.real.zeros(shape, dtype));
  }
  ones(shape: Shape, dtype?: DType): Tensor {
    return this.feed(this.real.ones(shape, dtype));
  }
  reduce(op: ReduceOp, x: Tensor, axes?: number | readonly number[], keepDims?: boolean): Tensor {
    return this.feed(this.real.reduce(op, this.materialize(this.node(x)), axes, keepDims));
  }
  argReduce(op: ArgReduceOp, x: Tensor, axis: number): Tensor {
    return this.feed(this.real.argReduce(op, this.materialize(this.node(x)), axis));
  }
  transpose(x: Tensor, perm?: readonly number[]): Tensor {
    return this.delegate([x], () => this.real.transpose(this.materialize(this.node(x)), perm));
  }
  slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
    return this.delegate([x], () => this.real.slice(this.materialize(this.node(x)), begin, size));
  }
  pad(x: Tensor, paddings: readonly (readonly [number, number])[], value?: number): Tensor {
    return this.delegate([x], () => this.real.pad(this.materialize(this.node(x)), paddings, value));
  }
  concat(xs: readonly Tensor[], axis?: number): Tensor {
    return this.delegate(xs, () =>
      this.real.concat(
        xs.map((x) => this.materialize(this.node(x))),
        axis,
      ),
    );
  }
  gather(x: Tensor, indices: Tensor, axis?: number): Tensor {
    return this.delegate([x, indices], () => this.real.gather(this.materialize(this.node(x)), this.materialize(this.node(indices)), axis));
  }
  scatterAdd(updates: Tensor, indices: Tensor, axis: number, size: number): Tensor {
    return this.delegate([updates, indices], () =>
      this.real.scatterAdd(this.materialize(this.node(updates)), this.materialize(this.node(indices)), axis, size),
    );
  }
  conv(lhs: Tensor, rhs: Tensor, options?: ConvOptions): Tensor {
    return this.delegate([lhs, rhs], () => this.real.conv(this.materialize(this.node(lhs)), this.materialize(this.node(rhs)), options));
  }

  reduceWindow(op: ReduceWindowOp, x: Tensor, options: ReduceWindowOptions): Tensor {
    return this.delegate([x], () => this.real.reduceWindow(op, this.materialize(this.node(x)), options));
  }

  matmul(a: Tensor, b: Tensor, options?: MatmulOptions): Tensor {
    return this.delegate([a, b], () => this.real.matmul(this.materialize(this.node(a)), this.materialize(this.node(b)), options));
  }
  runProgram(program: ElementwiseProgram, groups: readonly ProgramGroup<Tensor>[], options?: RunProgramOptions): Tensor[][] {
    const real = groups.map((g) => ({ inputs: g.inputs.map((t) => this.materialize(this.node(t))), scalars: g.scalars }));
    return this.real.runProgram(program, real, options).map((outs, gi) => outs.map((t) => this.feed(t, this.lazy(...groups[gi].inputs))));
  }

  read(x: Tensor): Promise<TypedArray> {
    return this.real.read(this.materialize(this.node(x)));
  }
  readSync(x: Tensor): TypedArray {
    return this.real.readSync(this.materialize(this.node(x)));
  }
}

/**
 * Whether a tree's tensors are being traced (the first tensor found belongs to a
 * {@link TracingBackend}, or to the replay of a recorded step): bookkeeping that only releases
 * real tensors early can be skipped.
 *
 * @internal
 */
export function isTraced(value: unknown): boolean {
  if (value instanceof Tensor) return tracing(value.backend);
  if (value === null || typeof value !== 'object') return false;
  for (const k in value) {
    const v = (value as Record<string, unknown>)[k];
    if (v instanceof Tensor) return tracing(v.backend);
    if (v !== null && typeof v === 'object') return isTraced(v);
  }
  return false;
}

function tracing(b: Backend): boolean {
  return (b as { traced?: boolean }).traced === true;
}
