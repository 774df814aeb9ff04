import type { BinaryOp, CompareOp, DType, Shape, Tensor, UnaryOp } from '@downhill/backend';

/**
 * One node of a traced update: what a tensor handed to a transformation's closure during tracing
 * stands for. Leaves are real tensors (a step's parameters, gradients and state slots, or values a
 * reduction produced); scalars are host numbers (literals of the closure, or a rank-0 reduction
 * read back); the rest are the backend's elementwise ops, recorded instead of run.
 *
 * @internal
 */
export type TraceNode = (
  | { readonly kind: 'leaf'; readonly tensor: Tensor; readonly fusable: boolean }
  | { readonly kind: 'scalar'; readonly value: number }
  | { readonly kind: 'unary'; readonly fn: UnaryOp; readonly x: TraceNode; real?: Tensor }
  | { readonly kind: 'binary'; readonly fn: BinaryOp; readonly a: TraceNode; readonly b: TraceNode; real?: Tensor }
  | { readonly kind: 'compare'; readonly fn: CompareOp; readonly a: TraceNode; readonly b: TraceNode; real?: Tensor }
  | { readonly kind: 'where'; readonly cond: TraceNode; readonly a: TraceNode; readonly b: TraceNode; real?: Tensor }
) & {
  readonly shape: Shape;
  readonly dtype: DType;
  /**
   * The node's component: nodes that share a leaf tensor or an operand are joined (a union-find
   * over small integers kept by the tracer), so the outputs of one parameter's math end up in one
   * program without walking the graph again. −1 for scalars.
   */
  readonly comp: number;
};

/** A recorded elementwise op (not a leaf nor a scalar). @internal */
export type OpNode = Exclude<TraceNode, { kind: 'leaf' } | { kind: 'scalar' }>;

/**
 * Whether a node takes part in fusion: a recorded op, or a leaf that is a step input (or was made
 * from one). Ops whose operands are all non-fusable (host values, rank-0 reductions) run at once.
 *
 * @internal
 */
export function isLazy(node: TraceNode): boolean {
  return node.kind === 'leaf' ? node.fusable : node.kind !== 'scalar';
}
