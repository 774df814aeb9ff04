import { describe, expect, it } from 'vitest';
import { CpuKernels, cpu } from '../index.js';
import { expectError } from '../test-helpers.js';
import {
  BackendMismatchError,
  DTypeError,
  DisposedTensorError,
  DownhillError,
  InvalidArgumentError,
  SPECIFICATION_VERSION,
  ShapeError,
  UnsupportedError,
  defineBackend,
  type Backend,
  type Capabilities,
  type ElementwiseProgram,
  type Tensor,
} from '@downhill/backend';

/** backend-cpu's kernels declaring less: no float64, asynchronous reads only, no compiled programs. */
class SmallKernels extends CpuKernels {
  override readonly capabilities: Capabilities = { float64: false, syncRead: false, programs: false, inPlace: false };
  constructor() {
    super('small');
  }
}

/** Runs `fn`, expecting it to throw, and checks that the live counts did not move. */
function expectNoLeak(b: Backend, fn: () => unknown): void {
  const before = b.memory();
  expect(fn).toThrow(DownhillError);
  expect(b.memory()).toEqual(before);
}

describe('defineBackend', () => {
  it('makes a backend with the kernels’ name, capabilities and the interface version', () => {
    const b = cpu();
    expect(b.name).toBe('cpu');
    expect(b.specificationVersion).toBe(SPECIFICATION_VERSION);
    expect(b.capabilities.programs).toBe(true);
  });

  describe('typed errors that name shapes, dtypes and backends', () => {
    const b = cpu();
    const x23 = b.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const x32 = b.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
    const f64 = b.tensor([1, 2, 3], [3], 'float64');
    const i32 = b.tensor([1, 2, 3], [3], 'int32');
    const f32 = b.tensor([1, 2, 3], [3]);
    const i23 = b.cast(x23, 'int32');
    const i32x = b.cast(x32, 'int32');
    const bool1 = b.tensor([1], [1], 'bool');
    const cond2 = b.tensor([1, 0], [2], 'bool');
    const empty = b.zeros([0, 2]);

    const CASES: { name: string; fn: () => unknown; type: new (...args: never[]) => DownhillError; patterns: RegExp[] }[] = [
      { name: 'broadcast mismatch', fn: () => b.add(x23, x32), type: ShapeError, patterns: [/cpu\.add/, /\[2, 3\] and \[3, 2\]/] },
      { name: 'broadcast mismatch with a number', fn: () => b.where(cond2, x23, 1), type: ShapeError, patterns: [/\[2\]/, /\[2, 3\]/] },
      { name: 'matmul inner dimensions', fn: () => b.matmul(x23, x23), type: ShapeError, patterns: [/\[2, 3\]/, /contracts 3 with 2/] },
      { name: 'matmul rank 1', fn: () => b.matmul(f32, x32), type: ShapeError, patterns: [/rank 2/, /\[3\]/] },
      { name: 'matmul int32', fn: () => b.matmul(i23, i32x), type: DTypeError, patterns: [/int32/, /cpu\.matmul/] },
      { name: 'reshape size', fn: () => b.reshape(x23, [4, 2]), type: ShapeError, patterns: [/\[2, 3\]/, /\[4, 2\]/, /6 elements/] },
      { name: 'reshape two -1', fn: () => b.reshape(x23, [-1, -1]), type: InvalidArgumentError, patterns: [/-1/] },
      { name: 'broadcastTo', fn: () => b.broadcastTo(x23, [3, 3]), type: ShapeError, patterns: [/\[2, 3\]/, /\[3, 3\]/] },
      { name: 'concat shapes', fn: () => b.concat([x23, x32], 0), type: ShapeError, patterns: [/\[2, 3\] and \[3, 2\]/, /axis 0/] },
      { name: 'concat dtypes', fn: () => b.concat([f32, f64]), type: DTypeError, patterns: [/float32/, /float64/] },
      { name: 'slice out of range', fn: () => b.slice(x23, [1, 2], [2, 1]), type: ShapeError, patterns: [/\[2, 3\]/, /axis 0/] },
      { name: 'axis out of range', fn: () => b.reduce('sum', x23, 2), type: InvalidArgumentError, patterns: [/axis 2/, /rank 2/] },
      { name: 'max over an empty axis', fn: () => b.reduce('max', empty, 0), type: ShapeError, patterns: [/size 0/] },
      { name: 'transpose permutation', fn: () => b.transpose(x23, [0, 0]), type: InvalidArgumentError, patterns: [/permutation/] },
      { name: 'dtype mismatch', fn: () => b.add(f32, f64), type: DTypeError, patterns: [/float32 and float64/] },
      { name: 'int32 div refused', fn: () => b.div(i32, i32), type: DTypeError, patterns: [/cpu\.div/, /int32/] },
      { name: 'int32 pow refused', fn: () => b.binary('pow', i32, 2), type: DTypeError, patterns: [/int32/] },
      { name: 'int32 exp refused', fn: () => b.unary('exp', i32), type: DTypeError, patterns: [/cpu\.exp/, /int32/] },
      { name: 'bool arithmetic refused', fn: () => b.add(bool1, bool1), type: DTypeError, patterns: [/bool/] },
      {
        name: 'where condition not bool',
        fn: () => b.where(f32, f32, f32),
        type: DTypeError,
        patterns: [/condition must be bool/, /float32/],
      },
      { name: 'gather float indices', fn: () => b.gather(x23, f32), type: DTypeError, patterns: [/int32/, /float32/] },
      { name: 'gather index out of range', fn: () => b.gather(x23, i32, 1), type: InvalidArgumentError, patterns: [/index 3/, /size 3/] },
      { name: 'unknown dtype', fn: () => b.zeros([2], 'float16' as never), type: DTypeError, patterns: [/float16/] },
      { name: 'data length', fn: () => b.tensor([1, 2, 3], [2, 2]), type: ShapeError, patterns: [/\[2, 2\]/, /4 elements/, /3/] },
      { name: 'bad shape', fn: () => b.zeros([2, -1]), type: InvalidArgumentError, patterns: [/non-negative integers/] },
      { name: 'two numbers', fn: () => b.add(1 as never, 2 as never), type: InvalidArgumentError, patterns: [/two numbers/] },
      {
        name: 'not a tensor',
        fn: () => b.unary('exp', [1, 2] as never),
        type: InvalidArgumentError,
        patterns: [/expected a Tensor/, /array/],
      },
      { name: 'pad pairs', fn: () => b.pad(x23, [[1, 1]]), type: InvalidArgumentError, patterns: [/2 pairs/] },
      { name: 'scatterAdd indices shape', fn: () => b.scatterAdd(x23, i32, 0, 4), type: ShapeError, patterns: [/\[2, 3\]/, /\[3\]/] },
    ];
    for (const c of CASES) {
      it(`${c.name}: ${c.type.name}, and nothing leaks`, () => {
        expectError(c.fn, c.type, ...c.patterns);
        expectNoLeak(b, c.fn);
      });
    }
  });

  it('refuses released tensors, in operations and in reads', async () => {
    const b = cpu();
    const x = b.tensor([1, 2]);
    x.dispose();
    expect(x.disposed).toBe(true);
    expectError(() => b.add(x, 1), DisposedTensorError, /released/, /float32 \[2\]/);
    expectError(() => b.readSync(x), DisposedTensorError, /readSync/);
    await expect(b.read(x)).rejects.toThrow(DisposedTensorError);
    await expect(x.read()).rejects.toThrow(/was used after it was released/);
    x.dispose(); // a second dispose does nothing
    expect(b.memory().tensors).toBe(0);
  });

  it('refuses tensors of another backend instance, naming both backends', () => {
    const a = cpu();
    const other = defineBackend(new CpuKernels('cpu-two'));
    const x = a.tensor([1, 2]);
    const y = other.tensor([1, 2]);
    expectError(() => a.add(x, y), BackendMismatchError, /cpu\.add/, /belongs to backend 'cpu-two#\d+'/);
    expectError(() => other.matmul(b2(other), b2(a)), BackendMismatchError, /cpu-two\.matmul/, /on cpu#\d+\)/);
    expectError(() => a.dispose(y), BackendMismatchError, /'cpu-two#\d+'/);
    // two instances of the same kernels are distinct backends too, told apart by their labels
    const twin = cpu();
    expect(twin.label).not.toBe(a.label);
    expectError(
      () => twin.add(twin.tensor([1, 2]), x),
      BackendMismatchError,
      new RegExp(`belongs to backend '${a.label}', not to this one \\('${twin.label}'\\)`),
    );
  });

  it('refuses float64 and synchronous reads a backend does not declare', async () => {
    const b = defineBackend(new SmallKernels());
    expectError(() => b.tensor([1], [1], 'float64'), UnsupportedError, /small/, /no float64/);
    expectError(() => b.zeros([2], 'float64'), UnsupportedError, /float64/);
    const x = b.tensor([1.5, -2]);
    expectError(() => b.cast(x, 'float64'), UnsupportedError, /small\.cast/);
    expectError(() => b.tensor(new Float64Array([1])), UnsupportedError, /float64/);
    expectError(() => b.readSync(x), UnsupportedError, /asynchronously/, /await backend\.read/);
    expect([...(await b.read(x))]).toEqual([1.5, -2]);
  });

  it('counts storages: reshapes share one, bytes follow the dtype', () => {
    const b = cpu();
    const x = b.zeros([2, 3], 'float64');
    const y = b.reshape(x, [6]);
    const z = b.zeros([4], 'int32');
    expect(b.memory()).toEqual({ tensors: 3, storages: 2, bytes: 6 * 8 + 4 * 4 });
    x.dispose();
    expect(b.memory()).toEqual({ tensors: 2, storages: 2, bytes: 6 * 8 + 4 * 4 });
    b.dispose([y, { z }]);
    expect(b.memory()).toEqual({ tensors: 0, storages: 0, bytes: 0 });
  });
});

describe('a failed in-place runProgram leaves every input unchanged', () => {
  // p' = p − lr·g·m, m' = m·v: outputs written into p and m when in place
  const program: ElementwiseProgram = {
    inputs: 4,
    scalars: 1,
    nodes: [
      { op: 'input', index: 0 },
      { op: 'input', index: 1 },
      { op: 'input', index: 2 },
      { op: 'input', index: 3 },
      { op: 'scalar', index: 0 },
      { op: 'binary', fn: 'mul', a: 1, b: 2 },
      { op: 'binary', fn: 'mul', a: 5, b: 4 },
      { op: 'binary', fn: 'sub', a: 0, b: 6 },
      { op: 'binary', fn: 'mul', a: 2, b: 3 },
    ],
    outputs: [7, 8],
  };
  const CASES: {
    name: string;
    make: (b: Backend) => { grad?: unknown; scalars?: unknown[]; extra?: boolean };
    type: new (...args: never[]) => DownhillError;
    pattern: RegExp;
  }[] = [
    {
      name: 'gradient of another shape',
      make: (b) => ({ grad: b.zeros([3, 2], 'float64') }),
      type: ShapeError,
      pattern: /\[2, 3\], input 1 has \[3, 2\]/,
    },
    {
      name: 'gradient of another dtype',
      make: (b) => ({ grad: b.zeros([2, 3]) }),
      type: DTypeError,
      pattern: /input 0 is float64, input 1 is float32/,
    },
    { name: 'missing scalar', make: () => ({ scalars: [] }), type: InvalidArgumentError, pattern: /has 0 scalars but the program takes 1/ },
    { name: 'a string scalar', make: () => ({ scalars: ['0.1'] }), type: InvalidArgumentError, pattern: /scalar 0 must be a number/ },
    {
      name: 'released gradient',
      make: (b) => {
        const g = b.zeros([2, 3], 'float64');
        g.dispose();
        return { grad: g };
      },
      type: DisposedTensorError,
      pattern: /released/,
    },
    {
      name: 'gradient of another backend',
      make: () => ({ grad: cpu().zeros([2, 3], 'float64') }),
      type: BackendMismatchError,
      pattern: /belongs to backend/,
    },
    {
      name: 'a second group that is wrong',
      make: () => ({ extra: true }),
      type: InvalidArgumentError,
      pattern: /group 1 has 1 tensor inputs/,
    },
  ];
  for (const c of CASES) {
    for (const inPlace of [true, false]) {
      it(`${c.name} (${inPlace ? 'in place' : 'new tensors'})`, () => {
        const b = cpu();
        const p = b.tensor([1, 2, 3, 4, 5, 6], [2, 3], 'float64');
        const m = b.full([2, 3], 0.5, 'float64');
        const v = b.full([2, 3], 0.25, 'float64');
        const { grad, scalars, extra } = c.make(b);
        const g = (grad as Tensor | undefined) ?? b.ones([2, 3], 'float64');
        const groups = [{ inputs: [p, g, m, v], scalars: (scalars as number[] | undefined) ?? [0.1] }];
        if (extra) groups.push({ inputs: [p], scalars: [0.1] });
        const before = b.memory();
        expectError(() => b.runProgram(program, groups, inPlace ? { inPlace: [0, 2] } : {}), c.type, c.pattern);
        expect(b.memory()).toEqual(before);
        expect([...b.readSync(p)]).toEqual([1, 2, 3, 4, 5, 6]);
        expect([...b.readSync(m)]).toEqual(new Array(6).fill(0.5));
        expect([...b.readSync(v)]).toEqual(new Array(6).fill(0.25));
        expect(p.disposed || m.disposed || v.disposed).toBe(false);
      });
    }
  }
});

/** A small float32 matrix on `b`. */
function b2(b: Backend) {
  return b.tensor([1, 2, 3, 4], [2, 2]);
}

describe('where with two numbers', () => {
  it('gives float32 and leaves no temporaries', async () => {
    const { cpu } = await import('@downhill/backend-cpu');
    const b = cpu();
    const c = b.tensor([1, 0, 1], [3], 'bool');
    const before = b.memory().tensors;
    const y = b.where(c, 1, -1);
    expect(y.dtype).toBe('float32');
    expect([...(await y.read())]).toEqual([1, -1, 1]);
    expect(b.memory().tensors).toBe(before + 1);
  });
});

describe('op names from outside the type system', () => {
  const b = cpu();
  const x = b.tensor([1, -2, 3], [3]);
  it.each([
    ['unary', () => b.unary('cube' as never, x), /cpu#?\d*\.unary: unknown op "cube"; expected one of .*\bsqrt\b/],
    ['binary', () => b.binary('mod' as never, x, x), /binary: unknown op "mod"; expected one of add, sub, mul, div, pow, maximum, minimum/],
    ['compare', () => b.compare('same' as never, x, x), /compare: unknown op "same"; expected one of equal, notEqual/],
    ['reduce', () => b.reduce('mean' as never, x), /reduce: unknown op "mean"; expected one of sum, max, min/],
    ['argReduce', () => b.argReduce('median' as never, x, 0), /argReduce: unknown op "median"; expected one of argmax, argmin/],
  ])('%s: an unknown op is an InvalidArgumentError naming the valid ones, and makes nothing', (_, call, message) => {
    const before = b.memory().tensors;
    expectError(call, InvalidArgumentError, message);
    expect(b.memory().tensors).toBe(before);
  });
});
