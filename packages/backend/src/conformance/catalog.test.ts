import { describe, expect, it } from 'vitest';
import { BINARY_OPS, COMPARE_OPS, REDUCE_OPS, UNARY_OPS, type PrimitiveName } from '../ops.js';
import { conformanceCases, unknownExclusions } from './index.js';

const { compute, checks } = conformanceCases();
const ids = [...compute, ...checks].map((c) => c.id);
const has = (prefix: string) => ids.some((id) => id.startsWith(prefix));

describe('the conformance catalog', () => {
  it('has unique ids', () => {
    expect(new Set(ids).size).toBe(ids.length);
  });

  const layout: PrimitiveName[] = [
    'where',
    'cast',
    'reshape',
    'transpose',
    'broadcastTo',
    'slice',
    'pad',
    'concat',
    'gather',
    'scatterAdd',
    'matmul',
    'conv',
    'reduceWindow',
  ];
  const primitives: [PrimitiveName, string][] = [
    ...UNARY_OPS.map((op): [PrimitiveName, string] => [op, `unary/${op}/`]),
    ...BINARY_OPS.map((op): [PrimitiveName, string] => [op, `binary/${op}/`]),
    ...COMPARE_OPS.map((op): [PrimitiveName, string] => [op, `compare/${op}/`]),
    ...REDUCE_OPS.map((op): [PrimitiveName, string] => [op, `reduce/${op}/`]),
    ...(['argmax', 'argmin'] as const).map((op): [PrimitiveName, string] => [op, `argReduce/${op}/`]),
    ...layout.map((op): [PrimitiveName, string] => [op, `${op}/`]),
  ];
  it.each(primitives)('covers the primitive %s', (_, prefix) => {
    expect(has(prefix), prefix).toBe(true);
  });

  it('tries every unary op, every binary op but pow and every comparison on NaN, infinities and zeros', () => {
    for (const op of UNARY_OPS) expect(ids).toContain(`unary/${op}/NaN, infinities and zeros`);
    for (const op of BINARY_OPS.filter((o) => o !== 'pow')) expect(ids).toContain(`binary/${op}/NaN, infinities and zeros`);
    for (const op of COMPARE_OPS) expect(ids).toContain(`compare/${op}/NaN and infinities`);
  });

  it('covers windowArgmax (a method, not a primitive) and NaN in the reductions', () => {
    expect(has('windowArgmax/')).toBe(true);
    for (const op of ['reduce/max/', 'reduce/min/', 'argReduce/argmax/', 'argReduce/argmin/'])
      expect(
        ids.some((id) => id.startsWith(op) && id.includes('NaN')),
        op,
      ).toBe(true);
  });

  it('reduces over every axis set of a rank-3 tensor, with and without keepDims', () => {
    for (const op of REDUCE_OPS) {
      for (const axes of ['', '0', '1', '2', '0,1', '0,2', '1,2', '0,1,2']) {
        expect(ids).toContain(`reduce/${op}/[2,3,4] axes [${axes}]`);
        expect(ids).toContain(`reduce/${op}/[2,3,4] axes [${axes}] keepDims`);
      }
    }
  });

  it('checks the special values of every elementwise binary op, pow included', () => {
    expect(ids).toContain('binary/pow/special values (C99 pow)');
    expect(ids).toContain('programs/special values of every op (pow: C99)');
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum']) expect(ids).toContain(`binary/${op}/NaN, infinities and zeros`);
  });

  it('casts between every pair of dtypes', () => {
    for (const from of ['float', 'int32', 'bool'])
      for (const to of ['float', 'int32', 'bool']) expect(ids).toContain(`cast/${from}->${to}`);
    expect(ids).toEqual(expect.arrayContaining(['cast/float32->float64', 'cast/float64->float32']));
  });

  it('checks elementwise programs, the typed errors and memory', () => {
    expect(has('programs/')).toBe(true);
    for (const error of ['ShapeError', 'DisposedTensorError', 'BackendMismatchError', 'float64', 'InvalidArgumentError for host data'])
      expect(ids.some((id) => id.startsWith('contract/errors/') && id.includes(error))).toBe(true);
    expect(ids).toContain('contract/memory/10,000 ops inside scopes leave the count flat');
    expect(ids).toContain('programs/random DAGs');
  });
});

describe('unknownExclusions', () => {
  it.each([
    ['a known compute case', ['unary/exp/[3,4]'], ['float32'], []],
    ['a known case for a dtype that runs', ['unary/exp/[3,4]@float32'], ['float32'], []],
    ['an unknown id', ['no/such/case'], ['float32'], ['no/such/case']],
    ['a dtype that does not run', ['unary/exp/[3,4]@float64'], ['float32'], ['unary/exp/[3,4]@float64']],
    ['a float64-only case in a float32 run', ['cast/float32->float64'], ['float32'], ['cast/float32->float64']],
    ['a float64-only case in a float64 run', ['cast/float32->float64'], ['float32', 'float64'], []],
    [
      'a check that runs once, per dtype',
      ['contract/read/readSync per capabilities@float32'],
      ['float32'],
      ['contract/read/readSync per capabilities@float32'],
    ],
    ['a per-dtype check', ['programs/random DAGs@float32'], ['float32'], []],
  ] as const)('%s', (_, keys, dtypes, want) => {
    expect(unknownExclusions(keys, dtypes)).toEqual(want);
  });
});
