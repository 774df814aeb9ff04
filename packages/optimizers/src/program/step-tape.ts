import type { DType, Shape, Tensor } from '@downhill/backend';
import type { TraceNode } from './trace-node.js';

/** The recorded elementwise calls a tape holds (`add`/`sub`/`mul`/`div` are recorded as `binary`). @internal */
export type TapeOp = 'unary' | 'binary' | 'compare' | 'where' | 'cast' | 'reshape' | 'broadcastTo';

/**
 * One call a transformation made on the tracing backend while a step was recorded: which op, on
 * which handles (by id: the step's leaves first, in the order they were wrapped, then each new
 * result), and what came back. A replay must make the very same calls.
 *
 * @internal
 */
export interface TapeEntry {
  readonly op: TapeOp;
  /** The op's function (`'add'`, `'sqrt'`), the target dtype of a cast, or `''`. */
  readonly fn: string;
  /** The operands' handle ids, in argument order; −1 for a number (a program scalar). */
  readonly args: readonly number[];
  /** The shape argument of `reshape` and `broadcastTo`. */
  readonly shapeArg?: Shape;
  /** The id of the handle returned (an operand's id where the op returned its operand's node). */
  readonly out: number;
  readonly outShape: Shape;
  readonly outDType: DType;
}

/**
 * What a {@link TracingBackend} records while a step is traced for the step cache: the calls, the
 * ids of the nodes it handed out, and the literal numbers in the order they were passed. Anything
 * that cannot be replayed by handles alone (a real computation while tracing: a reduction, a
 * materialized intermediate, a tensor made or captured from outside the step) clears `replayable`.
 *
 * @internal
 */
export class TapeRecorder {
  readonly entries: TapeEntry[] = [];
  /** The scalar node each literal number became, in call order. */
  readonly literals: TraceNode[] = [];
  /** Ids of the handles' nodes: leaves 0…L−1 in wrap order, then results. */
  readonly ids = new Map<TraceNode, number>();
  /** The step's input tensors, by leaf id. */
  readonly leaves: Tensor[] = [];
  replayable = true;
  private next = 0;

  /** Registers a step input's leaf node. */
  leaf(node: TraceNode, t: Tensor): void {
    this.ids.set(node, this.next++);
    this.leaves.push(t);
  }

  /** The id of a node handed out, or −2 (not replayable) for one the tape never saw. */
  idOf(node: TraceNode): number {
    const id = this.ids.get(node);
    if (id === undefined) {
      this.replayable = false;
      return -2;
    }
    return id;
  }

  /** Records a call whose operands were `args` (nodes, or numbers) and whose result is `out`. */
  record(op: TapeOp, fn: string, args: readonly (TraceNode | number)[], out: TraceNode, shapeArg?: Shape): void {
    if (!this.replayable) return;
    const ids = args.map((a) => (typeof a === 'number' ? -1 : this.idOf(a)));
    let id = this.ids.get(out);
    if (id === undefined) {
      id = this.next++;
      this.ids.set(out, id);
    }
    this.entries.push({ op, fn, args: ids, ...(shapeArg ? { shapeArg } : {}), out: id, outShape: out.shape, outDType: out.dtype });
  }
}
