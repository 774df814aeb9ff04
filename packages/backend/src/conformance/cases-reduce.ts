import { REDUCE_OPS } from '../ops.js';
import type { ComputeCase } from './case.js';

/** Rows with a NaN first, in the middle, twice, and none (a NaN where NumPy's `argmax` would otherwise pick another element). */
const WITH_NAN = [1, Number.NaN, 3, 9, Number.NaN, 2, 5, -1, 4, 6, Number.NaN, Number.NaN, 7, 8, 9, -2];

/** Every subset of the axes of a rank-3 tensor, the empty one included. */
const AXIS_SETS: readonly (readonly number[])[] = [[], [0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]];

/**
 * Reductions over every axis set of a rank-3 tensor, with and without `keepDims`; the default and
 * negative axes; int32; scalars; zero-size sums; NaN (propagated by `max`/`min`, the extreme for
 * `argmax`/`argmin`); and `argmax`/`argmin` along every axis, with ties.
 */
export function reduceCases(): ComputeCase[] {
  const cases: ComputeCase[] = [];
  for (const op of REDUCE_OPS) {
    for (const axes of AXIS_SETS) {
      for (const keepDims of [false, true]) {
        cases.push({
          id: `reduce/${op}/[2,3,4] axes [${axes.join(',')}]${keepDims ? ' keepDims' : ''}`,
          run: (c) => c.backend.reduce(op, c.uniform([2, 3, 4], -2, 2), axes, keepDims),
        });
      }
    }
    cases.push(
      { id: `reduce/${op}/all axes by default`, run: (c) => c.backend.reduce(op, c.uniform([3, 5], -2, 2)) },
      { id: `reduce/${op}/negative axis`, run: (c) => c.backend.reduce(op, c.uniform([2, 3, 4], -2, 2), -1) },
      { id: `reduce/${op}/negative axes keepDims`, run: (c) => c.backend.reduce(op, c.uniform([2, 3, 4], -2, 2), [-3, -1], true) },
      { id: `reduce/${op}/int32 [3,4] axis 1`, run: (c) => c.backend.reduce(op, c.ints([3, 4], -50, 50), 1) },
      { id: `reduce/${op}/int32 all`, run: (c) => c.backend.reduce(op, c.ints([2, 3, 2], -50, 50)) },
      { id: `reduce/${op}/scalar`, run: (c) => c.backend.reduce(op, c.uniform([])) },
      { id: `reduce/${op}/size-1 dims [1,4,1] axis 1`, run: (c) => c.backend.reduce(op, c.uniform([1, 4, 1]), 1, true) },
      { id: `reduce/${op}/ties`, run: (c) => c.backend.reduce(op, c.ints([4, 6], -1, 1, c.dtype), 1) },
      { id: `reduce/${op}/zero-size kept axis [0,3] axis 1`, run: (c) => c.backend.reduce(op, c.uniform([0, 3]), 1) },
    );
  }
  cases.push(
    { id: 'reduce/sum/zero-size axis [2,0,3] axis 1', run: (c) => c.backend.reduce('sum', c.uniform([2, 0, 3]), 1) },
    { id: 'reduce/sum/zero-size all', run: (c) => c.backend.reduce('sum', c.uniform([0, 4])) },
    { id: 'reduce/sum/long row [3,400]', tolScale: 4, run: (c) => c.backend.reduce('sum', c.uniform([3, 400], 0, 1), 1) },
  );
  for (const op of ['argmax', 'argmin'] as const) {
    for (const axis of [0, 1, 2]) {
      cases.push(
        { id: `argReduce/${op}/[2,3,4] axis ${axis}`, run: (c) => c.backend.argReduce(op, c.uniform([2, 3, 4]), axis) },
        { id: `argReduce/${op}/ties [3,4,5] axis ${axis}`, run: (c) => c.backend.argReduce(op, c.ints([3, 4, 5], -1, 1, c.dtype), axis) },
      );
    }
    cases.push(
      { id: `argReduce/${op}/negative axis`, run: (c) => c.backend.argReduce(op, c.uniform([3, 4]), -1) },
      { id: `argReduce/${op}/rank 1`, run: (c) => c.backend.argReduce(op, c.uniform([7]), 0) },
      { id: `argReduce/${op}/int32`, run: (c) => c.backend.argReduce(op, c.ints([4, 5], -3, 3), 1) },
      { id: `argReduce/${op}/all equal`, run: (c) => c.backend.argReduce(op, c.tensor([2, 2, 2, 2], [2, 2]), 1) },
      { id: `argReduce/${op}/zero-size other axis [0,3] axis 1`, run: (c) => c.backend.argReduce(op, c.uniform([0, 3]), 1) },
      { id: `argReduce/${op}/NaN is the extreme, the first one wins`, run: (c) => c.backend.argReduce(op, c.tensor(WITH_NAN, [4, 4]), 1) },
      { id: `argReduce/${op}/NaN along axis 0`, run: (c) => c.backend.argReduce(op, c.tensor(WITH_NAN, [4, 4]), 0) },
    );
  }
  for (const op of ['max', 'min'] as const) {
    cases.push({ id: `reduce/${op}/NaN propagates`, run: (c) => c.backend.reduce(op, c.tensor(WITH_NAN, [4, 4]), 1) });
  }
  return cases;
}
