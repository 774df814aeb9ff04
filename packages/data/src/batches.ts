import { InvalidArgumentError, Tensor, type TypedArray } from '@downhill/backend';
import { Rng, rng } from '@downhill/initializers';
import { epochOrder } from './epoch-order.js';

/** One column of a data set: rows along the first axis, as a typed array (row-major) or a tensor. */
export type Column = TypedArray | Tensor;

/** A data set: named columns with the same number of rows (`{ x, y }`, `{ image, label, weight }`…). */
export type Columns = Readonly<Record<string, Column>>;

/** A batch's column: a new typed array of the same type for a typed array, a new tensor (yours to dispose) for a tensor. */
export type BatchColumn<C extends Column> = C extends Tensor
  ? Tensor
  : C extends Float32Array
    ? Float32Array
    : C extends Float64Array
      ? Float64Array
      : C extends Int32Array
        ? Int32Array
        : Uint8Array;

/** Where a batch sits in the run. */
export interface BatchPosition {
  /** 0-based epoch. */
  readonly epoch: number;
  /** 0-based step within the epoch. */
  readonly step: number;
  /** 0-based step counted over the whole run (`epoch · stepsPerEpoch + step`). */
  readonly globalStep: number;
}

/** One batch: its position, its size, the rows it took, and each column's rows. */
export interface Batch<C extends Columns> extends BatchPosition {
  /** Rows in this batch (`batchSize`, or fewer in the last batch of an epoch without `dropLast`). */
  readonly size: number;
  /** The data set's row indices, in batch order. */
  readonly indices: Uint32Array;
  /** Each column's rows, in batch order. */
  readonly columns: { readonly [K in keyof C]: BatchColumn<C[K]> };
}

/** Options of {@link Batches}. */
export interface BatchesOptions {
  /** Rows per batch; a positive integer. */
  readonly batchSize: number;
  /** Visit rows in a new seeded order each epoch (default true when `seed` or `key` is given, else false). */
  readonly shuffle?: boolean;
  /** Seed of the shuffle: epoch `e` is ordered by `rng(seed).fold(e)`. */
  readonly seed?: number;
  /** The shuffle's key instead of a seed: epoch `e` is ordered by `key.fold(e)`. */
  readonly key?: Rng;
  /** Leave out the last batch of an epoch when it would be smaller than `batchSize` (default false). */
  readonly dropLast?: boolean;
}

/** Options of {@link Batches.iterate}. */
export interface IterateOptions {
  /** How many epochs in all (counted from epoch 0, so a resumed run passes the same number). Default 1. */
  readonly epochs?: number;
  /** Start here instead of at (0, 0): the position of the first batch not yet trained on (from a checkpoint). */
  readonly from?: { readonly epoch: number; readonly step: number };
}

const KNOWN_OPTIONS = new Set(['batchSize', 'shuffle', 'seed', 'key', 'dropLast']);

/**
 * Batches over a data set held in memory: typed arrays and tensors, shuffled by a seed, with or
 * without the last short batch, epoch after epoch. Everything is a function of the options and the
 * position (epoch, step), so a run interrupted after any step resumes at
 * `iterate({ from: { epoch, step } })` with exactly the batches it would have had: what a
 * checkpoint needs to store is the position, not the loader.
 *
 * Rows are the first axis of every column; a typed array of `count · width` values has rows of
 * `width` values. Each batch gets new arrays (or new tensors, gathered on the column's backend,
 * which the caller disposes), so batches may be kept.
 *
 * @example
 * ```ts
 * const data = new Batches({ x: images, y: labels }, { batchSize: 128, seed: 0, dropLast: true });
 * for (const { epoch, step, size, columns } of data.iterate({ epochs: 10 })) {
 *   const x = backend.tensor(columns.x, [size, 784]);
 *   // … one training step on (x, columns.y) …
 * }
 * ```
 *
 * PyTorch: `DataLoader(TensorDataset(x, y), batch_size, shuffle=True, drop_last, generator=torch.Generator().manual_seed(seed))`.
 */
export class Batches<C extends Columns> {
  /** Rows in the data set. */
  readonly count: number;
  /** Rows per batch. */
  readonly batchSize: number;
  /** Whether the short last batch is left out. */
  readonly dropLast: boolean;
  /** Batches per epoch. */
  readonly stepsPerEpoch: number;
  readonly #columns: C;
  readonly #widths: Record<string, number>;
  readonly #key: Rng | undefined;

  constructor(columns: C, options: BatchesOptions) {
    const where = 'Batches';
    if (options === null || typeof options !== 'object')
      throw new InvalidArgumentError(`${where}: expected an options object with batchSize, got ${String(options)}`);
    for (const k of Object.keys(options))
      if (!KNOWN_OPTIONS.has(k)) throw new InvalidArgumentError(`${where}: unknown option '${k}'; valid: ${[...KNOWN_OPTIONS].join(', ')}`);
    const { batchSize, seed, key, dropLast = false } = options;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1)
      throw new InvalidArgumentError(`${where}: batchSize must be a positive integer, got ${String(batchSize)}`);
    if (seed !== undefined && key !== undefined) throw new InvalidArgumentError(`${where}: give seed or key, not both`);
    if (seed !== undefined && !Number.isSafeInteger(seed))
      throw new InvalidArgumentError(`${where}: seed must be a safe integer, got ${String(seed)}`);
    if (key !== undefined && !(key instanceof Rng))
      throw new InvalidArgumentError(`${where}: key must be an Rng from @downhill/initializers`);
    const shuffle = options.shuffle ?? (seed !== undefined || key !== undefined);
    if (shuffle && seed === undefined && key === undefined)
      throw new InvalidArgumentError(`${where}: shuffle needs a seed or a key (a run must be reproducible)`);
    const names = Object.keys(columns ?? {});
    if (names.length === 0) throw new InvalidArgumentError(`${where}: expected at least one column, got none`);
    const rowsOf: Record<string, number> = {};
    for (const name of names) {
      const c = columns[name];
      if (c instanceof Tensor) {
        if (c.shape.length === 0) throw new InvalidArgumentError(`${where}: column '${name}' is a scalar tensor; rows are its first axis`);
        rowsOf[name] = c.shape[0];
      } else if (ArrayBuffer.isView(c)) rowsOf[name] = -1;
      else
        throw new InvalidArgumentError(
          `${where}: column '${name}' must be a typed array or a tensor, got ${Object.prototype.toString.call(c)}`,
        );
    }
    // Tensors fix the row count; typed arrays are then divided into rows. Without a tensor, the
    // shortest typed array's length is the count and the others must be multiples of it.
    const tensorRows = names.filter((n) => rowsOf[n] >= 0).map((n) => rowsOf[n]);
    const count = tensorRows.length ? tensorRows[0] : Math.min(...names.map((n) => (columns[n] as TypedArray).length));
    const widths: Record<string, number> = {};
    for (const name of names) {
      const c = columns[name];
      const rows = c instanceof Tensor ? c.shape[0] : count;
      const len = c instanceof Tensor ? c.size : c.length;
      if (rows !== count || (count > 0 ? len % count !== 0 : len !== 0)) {
        const has = c instanceof Tensor ? `shape [${c.shape.join(', ')}]` : `${len} values`;
        throw new InvalidArgumentError(`${where}: every column must have ${count} rows; column '${name}' has ${has}`);
      }
      widths[name] = count > 0 ? len / count : 0;
    }
    this.count = count;
    this.batchSize = batchSize;
    this.dropLast = dropLast;
    this.stepsPerEpoch = dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
    this.#columns = columns;
    this.#widths = widths;
    this.#key = shuffle ? (key ?? rng(seed as number)) : undefined;
  }

  /**
   * The order in which epoch `epoch` visits the rows: a seeded permutation when shuffling, else
   * `0 … count − 1`.
   *
   * @param epoch - 0-based epoch.
   * @returns A new array of row indices.
   */
  order(epoch: number): Uint32Array {
    checkIndex(epoch, 'order: epoch');
    if (this.#key) return epochOrder(this.count, this.#key.fold(epoch));
    const order = new Uint32Array(this.count);
    for (let i = 0; i < this.count; i++) order[i] = i;
    return order;
  }

  /**
   * The batch at a position, on its own (what `iterate` yields there).
   *
   * @param epoch - 0-based epoch.
   * @param step - 0-based step within the epoch, below `stepsPerEpoch`.
   * @returns The batch.
   */
  batch(epoch: number, step: number): Batch<C> {
    checkIndex(epoch, 'batch: epoch');
    checkIndex(step, 'batch: step');
    if (step >= this.stepsPerEpoch)
      throw new InvalidArgumentError(`Batches.batch: step ${step} is past the epoch's last step ${this.stepsPerEpoch - 1}`);
    return this.#take(this.order(epoch), epoch, step);
  }

  /**
   * The batches of epochs `0 … epochs − 1`, in order, starting at `from` when given.
   *
   * @param options - `epochs` (default 1), `from` (a position to resume at).
   * @returns A generator of batches.
   */
  *iterate({ epochs = 1, from = { epoch: 0, step: 0 } }: IterateOptions = {}): Generator<Batch<C>, void, undefined> {
    checkIndex(epochs, 'iterate: epochs');
    checkIndex(from.epoch, 'iterate: from.epoch');
    checkIndex(from.step, 'iterate: from.step');
    if (from.step > this.stepsPerEpoch)
      throw new InvalidArgumentError(`Batches.iterate: from.step ${from.step} is past the epoch's ${this.stepsPerEpoch} steps`);
    for (let epoch = from.epoch; epoch < epochs; epoch++) {
      const order = this.order(epoch);
      for (let step = epoch === from.epoch ? from.step : 0; step < this.stepsPerEpoch; step++) yield this.#take(order, epoch, step);
    }
  }

  #take(order: Uint32Array, epoch: number, step: number): Batch<C> {
    const begin = step * this.batchSize;
    const size = Math.min(this.batchSize, this.count - begin);
    const indices = order.slice(begin, begin + size);
    const columns: Record<string, Column> = {};
    for (const [name, c] of Object.entries(this.#columns)) {
      if (c instanceof Tensor) {
        const k = c.backend;
        columns[name] = k.scope(() => k.gather(c, k.tensor(Int32Array.from(indices), [size], 'int32'), 0));
      } else {
        const w = this.#widths[name];
        const out = new (c.constructor as new (n: number) => TypedArray)(size * w);
        for (let i = 0; i < size; i++) out.set(c.subarray(indices[i] * w, (indices[i] + 1) * w), i * w);
        columns[name] = out;
      }
    }
    return { epoch, step, globalStep: epoch * this.stepsPerEpoch + step, size, indices, columns: columns as Batch<C>['columns'] };
  }
}

function checkIndex(v: number, where: string): void {
  if (!Number.isSafeInteger(v) || v < 0)
    throw new InvalidArgumentError(`Batches.${where} must be a non-negative integer, got ${String(v)}`);
}
