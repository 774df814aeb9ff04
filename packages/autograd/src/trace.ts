import { InvalidArgumentError, Tensor, isFloatDType, type PrimitiveName } from '@downhill/backend';
import { IMPLS, type ParamsOf, type RawOperand } from './primitives.js';
import { Traced, type Operand, type TensorLike } from './traced.js';

/**
 * The vector-Jacobian product of a function recorded as one node (see `customVjp`): from the
 * output's cotangent, one thunk per operand (`null` where none flows). @internal
 */
export type NodeVjp = (ct: TensorLike) => readonly ((() => TensorLike) | null)[];

/** One primitive call on a tape: what was applied, to what, and what came out. @internal */
export interface TapeNode {
  /** The primitive, or `null` for an input of the trace and for a function with its own rule (`vjp`). */
  readonly prim: PrimitiveName | null;
  /** The rule of a function recorded as one node (`customVjp`); absent for primitives and inputs. */
  readonly vjp?: NodeVjp;
  readonly params: unknown;
  /** The operands, one level down (values of enclosing traces, tensors or numbers). */
  readonly args: readonly Operand[];
  /** For each operand, the index of the node on this tape that made it, or -1 for a constant. */
  readonly parents: readonly number[];
  /** The output, one level down. */
  readonly out: TensorLike;
}

let nextLevel = 1;
/** Traces that record now, outermost first. */
const recording: Trace[] = [];
let noGradDepth = 0;

/**
 * A tape: the primitive calls made on the values of one differentiation, in the order they ran
 * (which is a topological order). Each `grad`, `valueAndGrad` or `vjp` call opens one.
 * @internal
 */
export class Trace {
  /** Higher levels were opened later; an op records on the highest recording level among its operands. */
  readonly level = nextLevel++;
  readonly nodes: TapeNode[] = [];
  /** Whether ops on this trace's values are recorded (true while `f` runs). */
  recording = true;

  /** Wraps an input of the differentiated function. */
  input(primal: TensorLike): Traced {
    const id = this.nodes.push({ prim: null, params: undefined, args: [], parents: [], out: primal }) - 1;
    return new Traced(primal, this, id);
  }
}

/** Opens a trace that records until {@link closeTrace}. @internal */
export function openTrace(): Trace {
  const trace = new Trace();
  recording.push(trace);
  return trace;
}

/** Stops a trace recording; its tape stays readable for the backward pass. @internal */
export function closeTrace(trace: Trace): void {
  trace.recording = false;
  const i = recording.lastIndexOf(trace);
  if (i >= 0) recording.splice(i, 1);
}

/** Whether any trace records now (an op on a traced value may be recorded). @internal */
export function isTracing(): boolean {
  return recording.length > 0;
}

/** Whether ops run without recording (inside {@link noGrad}). @internal */
export function isNoGrad(): boolean {
  return noGradDepth > 0;
}

/**
 * Runs `fn` without recording: every op inside it returns plain backend tensors, as if every
 * traced value were {@link detach}ed. Use it for metrics, parameter updates and anything else
 * that must not be differentiated. `fn` must be synchronous.
 *
 * @param fn - the work to run unrecorded.
 * @returns what `fn` returns.
 *
 * @example
 * ```ts
 * const accuracy = noGrad(() => ops.mean(ops.cast(ops.equal(ops.argmax(logits, -1), labels), 'float32')));
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  noGradDepth++;
  try {
    return fn();
  } finally {
    noGradDepth--;
  }
}

/** Runs `fn` with recording on even inside {@link noGrad} (a `grad` call always records). @internal */
export function withRecording<T>(fn: () => T): T {
  const saved = noGradDepth;
  noGradDepth = 0;
  try {
    return fn();
  } finally {
    noGradDepth = saved;
  }
}

/**
 * The backend tensor under a traced value, cut off from every trace: no gradient flows through
 * it (JAX's `stop_gradient`, PyTorch's `detach`). A backend tensor comes back as it is.
 *
 * @param x - a tensor or traced value.
 * @returns the plain backend tensor holding `x`'s data (not a copy).
 *
 * @example
 * ```ts
 * const shifted = ops.sub(x, detach(ops.max(x))); // the max acts as a constant
 * ```
 */
export function detach(x: TensorLike): Tensor {
  let v: TensorLike = x;
  while (v instanceof Traced) v = v.primal;
  if (!(v instanceof Tensor)) throw new InvalidArgumentError(`detach: expected a Tensor or a traced value, got ${String(v)}`);
  return v;
}

function lowerAll(a: Operand): RawOperand {
  return a instanceof Traced ? detach(a) : a;
}

function escaped(x: Traced, prim: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `${prim}: ${x} belongs to a grad/vjp whose function already returned; traced values live only while the differentiated function runs: return what you need from it (as its output or with hasAux), or detach() it`,
  );
}

/**
 * Applies a primitive to operands at any level of tracing: runs it on the backend and records it
 * on the highest recording trace among the operands (and, through the primal computation, on
 * every enclosing one). Non-float outputs (comparisons, arg-reductions, casts to int) are not
 * recorded: no gradient flows through them. A failed call records nothing.
 * @internal
 */
export function bind<P extends PrimitiveName>(prim: P, args: readonly Operand[], params: ParamsOf<P>): TensorLike {
  const top = topTrace(args, prim);
  if (!top) return IMPLS[prim](prim, args.map(lowerAll), params);
  const trace = top;
  const lowered = args.map((a) => (a instanceof Traced && a.trace === trace ? a.primal : a));
  const out = bind(prim, lowered, params);
  if (!isFloatDType(out.dtype)) return out;
  const parents = args.map((a) => (a instanceof Traced && a.trace === trace ? a.node : -1));
  const id = trace.nodes.push({ prim, params, args: lowered, parents, out }) - 1;
  return new Traced(out, trace, id);
}

/**
 * The error of a function recorded as one node (`customVjp`, `checkpoint`) whose output depends on
 * a traced value it does not take as an argument: its rule could not send that value a gradient.
 * @internal
 */
export function closureError(name: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `${name}: its output depends on a value of the enclosing differentiation that is not one of its arguments (a closure over a traced value): pass that value as an argument`,
  );
}

/** The highest recording trace among the operands, or undefined (none, or inside `noGrad`). */
function topTrace(args: readonly Operand[], where: string): Trace | undefined {
  if (noGradDepth !== 0) return undefined;
  let top: Trace | undefined;
  for (const a of args) {
    if (!(a instanceof Traced)) continue;
    if (!a.trace.recording) throw escaped(a, where);
    if (!top || a.trace.level > top.level) top = a.trace;
  }
  return top;
}

/**
 * Applies a function with its own vector-Jacobian product (`customVjp`) to operands at any level
 * of tracing. On the highest recording trace among them it records one node: `forward` runs on
 * the operands one level down (so enclosing traces record its ops as usual, and the primal and
 * its residuals are values of that level), and `vjp(residuals, operands, output)` (all one level
 * down) becomes the node's rule, whose ops run one level down too (so the backward pass stays
 * differentiable). With no recording trace, `forward` just runs. Non-float outputs are not
 * recorded. An output that is a value of this trace or a higher one (a closure over a traced
 * value) is refused: the rule could not send that value a gradient.
 * @internal
 */
export function bindCustom<R>(
  name: string,
  args: readonly TensorLike[],
  forward: (lowered: readonly TensorLike[]) => { readonly out: TensorLike; readonly residuals: R },
  vjp: (residuals: R, lowered: readonly TensorLike[], out: TensorLike) => NodeVjp,
): TensorLike {
  const trace = topTrace(args, name);
  if (!trace) {
    const { out } = forward(args);
    if (out instanceof Traced && out.trace.recording) throw closureError(name);
    return out;
  }
  const lowered = args.map((a) => (a instanceof Traced && a.trace === trace ? a.primal : a));
  const { out, residuals } = forward(lowered);
  if (out instanceof Traced && out.trace.level >= trace.level) throw closureError(name);
  if (!isFloatDType(out.dtype)) return out;
  const parents = args.map((a) => (a instanceof Traced && a.trace === trace ? a.node : -1));
  const id = trace.nodes.push({ prim: null, vjp: vjp(residuals, lowered, out), params: undefined, args: lowered, parents, out }) - 1;
  return new Traced(out, trace, id);
}
