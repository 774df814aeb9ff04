import { Tensor, shapesEqual, type Backend, type BinaryOp, type CompareOp, type DType, type Shape, type UnaryOp } from '@downhill/backend';
import { StandInBackend } from './stand-in-backend.js';
import type { TapeEntry, TapeOp } from './step-tape.js';

/** Thrown inside a replay when a call differs from the tape: the step is traced again. @internal */
export const REPLAY_MISS: unique symbol = Symbol('replay miss');

/**
 * The backend a transformation's closures see when `step` replays a recorded step (the step
 * cache): it makes nothing and builds no graph. Each elementwise call is checked against the next
 * entry of the tape (same op, same function, same operand handles, numbers where numbers were) and
 * answers with a handle carrying the recorded result's id; the numbers passed are collected in
 * order, and become the cached programs' scalars. Any other call, or any difference, throws
 * {@link REPLAY_MISS}, and the step is traced afresh. So a replayed step runs exactly the programs
 * the recorded one ran, with this step's host numbers (bias corrections, schedule values,
 * hyperparameters).
 *
 * Tensors it hands out hold their id as storage.
 *
 * @internal
 */
export class ReplayBackend extends StandInBackend implements Backend {
  /** The numbers passed, in call order. */
  readonly literals: number[] = [];
  /** The step's input tensors, by leaf id. */
  readonly leaves: Tensor[] = [];
  /** The next tape entry. */
  pos = 0;

  /** The tape replayed (set once the leaves have chosen the recorded step). */
  tape: readonly TapeEntry[] = [];

  /** A handle on a step input (the next leaf id). */
  input(t: Tensor): Tensor {
    const id = this.leaves.length;
    this.leaves.push(t);
    return new Tensor(this, id, t.shape, t.dtype, t.size);
  }

  /** The id behind one of this replay's handles; a miss for anything else. */
  private id(x: Tensor | number): number {
    if (typeof x === 'number') {
      this.literals.push(x);
      return -1;
    }
    if (x.backend !== this || x._disposed) throw REPLAY_MISS;
    return x.storage as number;
  }

  private next(op: TapeOp, fn: string, ids: readonly number[], shapeArg?: Shape): Tensor {
    const e = this.tape[this.pos];
    if (e === undefined || e.op !== op || e.fn !== fn || e.args.length !== ids.length) throw REPLAY_MISS;
    for (let i = 0; i < ids.length; i++) if (e.args[i] !== ids[i]) throw REPLAY_MISS;
    if (shapeArg !== undefined && (e.shapeArg === undefined || !shapesEqual(e.shapeArg, shapeArg))) throw REPLAY_MISS;
    this.pos++;
    let size = 1;
    for (const d of e.outShape) size *= d;
    return new Tensor(this, e.out, e.outShape, e.outDType, size);
  }

  // ---------------------------------------------------------------- replayed elementwise math

  unary(op: UnaryOp, x: Tensor): Tensor {
    return this.next('unary', op, [this.id(x)]);
  }
  binary(op: BinaryOp, a: Tensor | number, b: Tensor | number): Tensor {
    const ia = this.id(a);
    return this.next('binary', op, [ia, this.id(b)]);
  }
  compare(op: CompareOp, a: Tensor | number, b: Tensor | number): Tensor {
    const ia = this.id(a);
    return this.next('compare', op, [ia, this.id(b)]);
  }
  where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
    const ic = this.id(cond);
    const ia = this.id(a);
    return this.next('where', '', [ic, ia, this.id(b)]);
  }
  cast(x: Tensor, dtype: DType): Tensor {
    return this.next('cast', dtype, [this.id(x)]);
  }
  reshape(x: Tensor, shape: Shape): Tensor {
    return this.next('reshape', '', [this.id(x)], shape);
  }
  broadcastTo(x: Tensor, shape: Shape): Tensor {
    return this.next('broadcastTo', '', [this.id(x)], shape);
  }

  // ---------------------------------------------------------------- anything else: trace afresh

  private miss(): never {
    throw REPLAY_MISS;
  }
  tensor(): Tensor {
    return this.miss();
  }
  scalar(): Tensor {
    return this.miss();
  }
  full(): Tensor {
    return this.miss();
  }
  zeros(): Tensor {
    return this.miss();
  }
  ones(): Tensor {
    return this.miss();
  }
  reduce(): Tensor {
    return this.miss();
  }
  argReduce(): Tensor {
    return this.miss();
  }
  transpose(): Tensor {
    return this.miss();
  }
  slice(): Tensor {
    return this.miss();
  }
  pad(): Tensor {
    return this.miss();
  }
  concat(): Tensor {
    return this.miss();
  }
  gather(): Tensor {
    return this.miss();
  }
  scatterAdd(): Tensor {
    return this.miss();
  }
  conv(): Tensor {
    return this.miss();
  }
  reduceWindow(): Tensor {
    return this.miss();
  }
  matmul(): Tensor {
    return this.miss();
  }
  runProgram(): Tensor[][] {
    return this.miss();
  }
  read(): never {
    return this.miss();
  }
  readSync(): never {
    return this.miss();
  }
}
