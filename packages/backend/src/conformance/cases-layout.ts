import type { ComputeCase } from './case.js';

function reshapeCases(): ComputeCase[] {
  return [
    { id: 'reshape/[2,3,4] to [4,6]', run: (c) => c.backend.reshape(c.uniform([2, 3, 4]), [4, 6]) },
    { id: 'reshape/[2,3,4] to [4,-1]', run: (c) => c.backend.reshape(c.uniform([2, 3, 4]), [4, -1]) },
    { id: 'reshape/[2,3,4] to [-1]', run: (c) => c.backend.reshape(c.uniform([2, 3, 4]), [-1]) },
    { id: 'reshape/[1,1] to scalar', run: (c) => c.backend.reshape(c.uniform([1, 1]), []) },
    { id: 'reshape/scalar to [1,1,1]', run: (c) => c.backend.reshape(c.uniform([]), [1, 1, 1]) },
    { id: 'reshape/zero-size [0,3] to [3,0]', run: (c) => c.backend.reshape(c.uniform([0, 3]), [3, 0]) },
    { id: 'reshape/int32 [6] to [2,3]', run: (c) => c.backend.reshape(c.ints([6], -5, 5), [2, 3]) },
    { id: 'reshape/bool [6] to [3,-1]', run: (c) => c.backend.reshape(c.bools([6]), [3, -1]) },
    {
      id: 'reshape/then compute on both views',
      run: (c) => {
        const x = c.uniform([2, 3]);
        const y = c.backend.reshape(x, [3, 2]);
        return [c.backend.add(y, 1), c.backend.mul(x, 2), y];
      },
    },
  ];
}

function transposeCases(): ComputeCase[] {
  return [
    { id: 'transpose/[2,3] default', run: (c) => c.backend.transpose(c.uniform([2, 3])) },
    { id: 'transpose/[2,3,4] default', run: (c) => c.backend.transpose(c.uniform([2, 3, 4])) },
    { id: 'transpose/[2,3,4] perm [1,0,2]', run: (c) => c.backend.transpose(c.uniform([2, 3, 4]), [1, 0, 2]) },
    { id: 'transpose/[2,3,4] perm [2,0,1]', run: (c) => c.backend.transpose(c.uniform([2, 3, 4]), [2, 0, 1]) },
    { id: 'transpose/[2,3,4,5] perm [3,1,0,2]', run: (c) => c.backend.transpose(c.uniform([2, 3, 4, 5]), [3, 1, 0, 2]) },
    { id: 'transpose/size-1 dims [1,3,1] perm [2,1,0]', run: (c) => c.backend.transpose(c.uniform([1, 3, 1]), [2, 1, 0]) },
    { id: 'transpose/scalar', run: (c) => c.backend.transpose(c.uniform([])) },
    { id: 'transpose/zero-size [0,3]', run: (c) => c.backend.transpose(c.uniform([0, 3])) },
    { id: 'transpose/int32 [2,3]', run: (c) => c.backend.transpose(c.ints([2, 3], -5, 5)) },
    { id: 'transpose/bool [2,3]', run: (c) => c.backend.transpose(c.bools([2, 3])) },
    { id: 'transpose/int32 [2,3,4] perm [2,0,1]', run: (c) => c.backend.transpose(c.ints([2, 3, 4], -1000, 1000), [2, 0, 1]) },
    { id: 'transpose/bool [2,3,4] perm [1,2,0]', run: (c) => c.backend.transpose(c.bools([2, 3, 4]), [1, 2, 0]) },
  ];
}

function broadcastCases(): ComputeCase[] {
  return [
    { id: 'broadcastTo/[3,1] to [2,3,4]', run: (c) => c.backend.broadcastTo(c.uniform([3, 1]), [2, 3, 4]) },
    { id: 'broadcastTo/[4] to [3,4]', run: (c) => c.backend.broadcastTo(c.uniform([4]), [3, 4]) },
    { id: 'broadcastTo/scalar to [2,2]', run: (c) => c.backend.broadcastTo(c.uniform([]), [2, 2]) },
    { id: 'broadcastTo/same shape', run: (c) => c.backend.broadcastTo(c.uniform([2, 3]), [2, 3]) },
    { id: 'broadcastTo/[1] to zero-size [0]', run: (c) => c.backend.broadcastTo(c.uniform([1]), [0]) },
    { id: 'broadcastTo/[1,3,1] to [2,3,4]', run: (c) => c.backend.broadcastTo(c.uniform([1, 3, 1]), [2, 3, 4]) },
    { id: 'broadcastTo/int32 [2,1] to [2,3]', run: (c) => c.backend.broadcastTo(c.ints([2, 1], -5, 5), [2, 3]) },
    { id: 'broadcastTo/bool [3] to [2,3]', run: (c) => c.backend.broadcastTo(c.bools([3]), [2, 3]) },
  ];
}

function sliceCases(): ComputeCase[] {
  return [
    { id: 'slice/[4,5] begin [1,2] size [2,3]', run: (c) => c.backend.slice(c.uniform([4, 5]), [1, 2], [2, 3]) },
    { id: 'slice/[4,5] size -1', run: (c) => c.backend.slice(c.uniform([4, 5]), [1, 2], [2, -1]) },
    { id: 'slice/[4,5] size omitted', run: (c) => c.backend.slice(c.uniform([4, 5]), [3, 1]) },
    { id: 'slice/[2,3,4] inner box', run: (c) => c.backend.slice(c.uniform([2, 3, 4]), [1, 0, 1], [1, 2, 2]) },
    { id: 'slice/zero-size result', run: (c) => c.backend.slice(c.uniform([3, 4]), [1, 4], [2, 0]) },
    { id: 'slice/scalar', run: (c) => c.backend.slice(c.uniform([]), [], []) },
    { id: 'slice/int32', run: (c) => c.backend.slice(c.ints([6], -5, 5), [2], [3]) },
    { id: 'slice/bool', run: (c) => c.backend.slice(c.bools([2, 4]), [0, 1], [2, 2]) },
  ];
}

function padCases(): ComputeCase[] {
  return [
    {
      id: 'pad/[2,3] zeros',
      run: (c) =>
        c.backend.pad(c.uniform([2, 3]), [
          [1, 0],
          [2, 1],
        ]),
    },
    {
      id: 'pad/[2,3] value -1.5',
      run: (c) =>
        c.backend.pad(
          c.uniform([2, 3]),
          [
            [0, 2],
            [1, 1],
          ],
          -1.5,
        ),
    },
    {
      id: 'pad/[2,3,2] one axis',
      run: (c) =>
        c.backend.pad(c.uniform([2, 3, 2]), [
          [0, 0],
          [0, 0],
          [3, 1],
        ]),
    },
    {
      id: 'pad/no padding',
      run: (c) =>
        c.backend.pad(c.uniform([2, 2]), [
          [0, 0],
          [0, 0],
        ]),
    },
    {
      id: 'pad/zero-size input',
      run: (c) =>
        c.backend.pad(
          c.uniform([0, 2]),
          [
            [1, 1],
            [0, 1],
          ],
          7,
        ),
    },
    { id: 'pad/int32', run: (c) => c.backend.pad(c.ints([3], -5, 5), [[2, 1]], 4) },
  ];
}

function concatCases(): ComputeCase[] {
  return [
    { id: 'concat/axis 0', run: (c) => c.backend.concat([c.uniform([2, 3]), c.uniform([1, 3])]) },
    { id: 'concat/axis 1', run: (c) => c.backend.concat([c.uniform([2, 3]), c.uniform([2, 1])], 1) },
    {
      id: 'concat/negative axis three inputs',
      run: (c) => c.backend.concat([c.uniform([2, 2, 1]), c.uniform([2, 2, 3]), c.uniform([2, 2, 2])], -1),
    },
    { id: 'concat/middle axis rank 3', run: (c) => c.backend.concat([c.uniform([2, 1, 3]), c.uniform([2, 2, 3])], 1) },
    { id: 'concat/one input', run: (c) => c.backend.concat([c.uniform([3])]) },
    { id: 'concat/with a zero-size piece', run: (c) => c.backend.concat([c.uniform([2, 0]), c.uniform([2, 3])], 1) },
    { id: 'concat/int32', run: (c) => c.backend.concat([c.ints([2], -5, 5), c.ints([3], -5, 5)]) },
    { id: 'concat/bool', run: (c) => c.backend.concat([c.bools([2, 2]), c.bools([1, 2])]) },
  ];
}

function gatherCases(): ComputeCase[] {
  return [
    { id: 'gather/axis 0', run: (c) => c.backend.gather(c.uniform([5, 3]), c.tensor([4, 0, 2], [3], 'int32')) },
    { id: 'gather/axis 1 repeated indices', run: (c) => c.backend.gather(c.uniform([2, 4, 3]), c.tensor([3, 3, 0, 1], [4], 'int32'), 1) },
    { id: 'gather/last axis', run: (c) => c.backend.gather(c.uniform([2, 3, 4]), c.tensor([1, 3], [2], 'int32'), -1) },
    { id: 'gather/indices rank 2', run: (c) => c.backend.gather(c.uniform([4, 2]), c.tensor([0, 3, 1, 1, 2, 0], [2, 3], 'int32')) },
    { id: 'gather/scalar index', run: (c) => c.backend.gather(c.uniform([3, 4]), c.tensor([2], [], 'int32'), 1) },
    { id: 'gather/no indices', run: (c) => c.backend.gather(c.uniform([3, 2]), c.tensor([], [0], 'int32')) },
    { id: 'gather/int32 values', run: (c) => c.backend.gather(c.ints([6], -9, 9), c.tensor([5, 0, 5], [3], 'int32')) },
    { id: 'gather/bool values', run: (c) => c.backend.gather(c.bools([2, 3]), c.tensor([1, 1, 0], [3], 'int32')) },
  ];
}

function scatterAddCases(): ComputeCase[] {
  return [
    { id: 'scatterAdd/axis 0 distinct', run: (c) => c.backend.scatterAdd(c.uniform([3, 2]), c.tensor([4, 0, 2], [3], 'int32'), 0, 5) },
    {
      id: 'scatterAdd/axis 0 repeated indices add up',
      run: (c) => c.backend.scatterAdd(c.uniform([4, 3]), c.tensor([1, 1, 0, 1], [4], 'int32'), 0, 3),
    },
    { id: 'scatterAdd/axis 1', run: (c) => c.backend.scatterAdd(c.uniform([2, 4, 3]), c.tensor([2, 0, 2, 1], [4], 'int32'), 1, 3) },
    { id: 'scatterAdd/last axis', run: (c) => c.backend.scatterAdd(c.uniform([3, 2]), c.tensor([0, 0], [2], 'int32'), -1, 4) },
    {
      id: 'scatterAdd/indices rank 2',
      run: (c) => c.backend.scatterAdd(c.uniform([2, 3, 2]), c.tensor([0, 3, 1, 1, 2, 0], [2, 3], 'int32'), 0, 4),
    },
    { id: 'scatterAdd/scalar index', run: (c) => c.backend.scatterAdd(c.uniform([3]), c.tensor([1], [], 'int32'), 1, 2) },
    { id: 'scatterAdd/no updates', run: (c) => c.backend.scatterAdd(c.uniform([0, 2]), c.tensor([], [0], 'int32'), 0, 3) },
    { id: 'scatterAdd/int32', run: (c) => c.backend.scatterAdd(c.ints([4], -9, 9), c.tensor([2, 2, 0, 2], [4], 'int32'), 0, 3) },
  ];
}

/** Layout cases: reshape (with -1), transpose, broadcastTo, slice, pad, concat, gather, scatterAdd. */
export function layoutCases(): ComputeCase[] {
  return [
    ...reshapeCases(),
    ...transposeCases(),
    ...broadcastCases(),
    ...sliceCases(),
    ...padCases(),
    ...concatCases(),
    ...gatherCases(),
    ...scatterAddCases(),
  ];
}

/** Creation: `tensor` from plain and typed arrays, `scalar`, `full`, `zeros`, `ones`, in every dtype. */
export function creationCases(): ComputeCase[] {
  return [
    { id: 'create/tensor from numbers', run: (c) => c.backend.tensor([1.5, -2, 3.25, 0], [2, 2], c.dtype) },
    { id: 'create/tensor from Float32Array', run: (c) => c.backend.cast(c.backend.tensor(new Float32Array([0.1, -7.5, 3])), c.dtype) },
    { id: 'create/tensor from Int32Array', run: (c) => c.backend.tensor(new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0])) },
    { id: 'create/tensor bool from numbers', run: (c) => c.backend.tensor([0, 2, -1, 0, 0.5], [5], 'bool') },
    { id: 'create/tensor zero-size', run: (c) => c.backend.tensor([], [2, 0, 3], c.dtype) },
    { id: 'create/scalar', run: (c) => c.backend.scalar(-4.75, c.dtype) },
    { id: 'create/full', run: (c) => c.backend.full([2, 3], 2.5, c.dtype) },
    { id: 'create/full int32', run: (c) => c.backend.full([3], -7, 'int32') },
    { id: 'create/zeros', run: (c) => c.backend.zeros([2, 2], c.dtype) },
    { id: 'create/zeros bool', run: (c) => c.backend.zeros([3], 'bool') },
    { id: 'create/ones', run: (c) => c.backend.ones([3, 1], c.dtype) },
    { id: 'create/ones int32 zero-size', run: (c) => c.backend.ones([0, 4], 'int32') },
    { id: 'create/full scalar shape', run: (c) => c.backend.full([], 3, c.dtype) },
  ];
}
