/**
 * The float32 reductions that split across threads, as JavaScript source text: the calling thread
 * compiles it once (`new Function`), and each worker compiles the same text over the shared
 * WebAssembly memory (see `worker-source.ts`), so every thread runs the same code. Pointers are
 * byte addresses in that memory.
 *
 * - `rowsF32(op, x, n, rows, out)`: `rows` reductions of `n` consecutive values each (a reduction
 *   over trailing axes), op 0 sum, 1 max, 2 min. Each output is one thread's float64 loop in index
 *   order, rounded once into float32: the same operations as `reduceKernel`'s loop.
 * - `blocksF32(op, x, n, blocks, partials)`: the partial results of `blocks` consecutive blocks of
 *   `n` values (float64, into `partials`), for a reduction of a whole array into one value, which
 *   the calling thread finishes over the partials in block order (`reduceRow` again): a fixed tree,
 *   whatever thread computed each block.
 *
 * `max` and `min` follow NumPy: a NaN anywhere gives NaN; of equal values (±0) the first wins.
 */
export const REDUCE_SOURCE = `'use strict';
function reduceRow(op, f, at, n) {
  let r;
  if (op === 0) {
    r = 0;
    for (let j = 0; j < n; j++) r += f[at + j];
  } else if (op === 1) {
    r = -Infinity;
    for (let j = 0; j < n; j++) {
      const v = f[at + j];
      if (v > r || v !== v) r = v;
      if (r !== r) break;
    }
  } else {
    r = Infinity;
    for (let j = 0; j < n; j++) {
      const v = f[at + j];
      if (v < r || v !== v) r = v;
      if (r !== r) break;
    }
  }
  return r;
}
function rowsOf(op, f, x, n, rows, out, o) {
  for (let i = 0; i < rows; i++) out[o + i] = reduceRow(op, f, x + i * n, n);
}
return {
  reduceRow,
  rowsOf,
  rowsF32(op, x, n, rows, out) {
    const f = new Float32Array(memory.buffer);
    rowsOf(op, f, x >>> 2, n, rows, f, out >>> 2);
  },
  blocksF32(op, x, n, blocks, partials) {
    const f = new Float32Array(memory.buffer);
    rowsOf(op, f, x >>> 2, n, blocks, new Float64Array(memory.buffer), partials >>> 3);
  },
};
`;

/** The functions {@link REDUCE_SOURCE} makes, by name. */
export interface ReduceFns {
  /** The reduction of `n` values of `f` from `at`, in float64. */
  reduceRow(op: number, f: ArrayLike<number>, at: number, n: number): number;
  /** `rows` reductions of `n` values each, from `f[x]`, into `out[o …]`. */
  rowsOf(op: number, f: ArrayLike<number>, x: number, n: number, rows: number, out: { [i: number]: number }, o: number): void;
  rowsF32(op: number, x: number, n: number, rows: number, out: number): void;
  blocksF32(op: number, x: number, n: number, blocks: number, partials: number): void;
}

/** The names the pool calls, in order (indices into them are the `R` constants). */
export const REDUCE_FNS = ['rowsF32', 'blocksF32'] as const;
/** Index of a function in {@link REDUCE_FNS}. */
export const R = { rows: 0, blocks: 1 } as const;
/** The op codes of the source. */
export const REDUCE_OPS = { sum: 0, max: 1, min: 2 } as const;

/** Makes the functions over `memory` (the calling thread's copy). */
export function makeReduceFns(memory: { readonly buffer: ArrayBufferLike }): ReduceFns {
  return new Function('memory', REDUCE_SOURCE)(memory) as ReduceFns;
}
