import { expect } from 'vitest';
import { SPECIFICATION_VERSION, type Backend } from '../backend.js';
import { BackendMismatchError, DTypeError, DisposedTensorError, InvalidArgumentError, ShapeError, UnsupportedError } from '../errors.js';
import { INT_UNARY_OPS, UNARY_OPS } from '../ops.js';
import type { Tensor } from '../tensor.js';
import type { CheckCase, CheckContext, FloatDType } from './case.js';
import { assertArrayKind } from './compare.js';

/** Runs `fn` and fails unless the backend's live tensors (and the native count) are as before. */
export async function expectNoLeak(ctx: CheckContext, label: string, fn: () => void | Promise<void>): Promise<void> {
  const before = ctx.backend.memory();
  const native = ctx.nativeCount?.();
  await fn();
  const after = ctx.backend.memory();
  expect(after.tensors, `${label}: live tensors before and after`).toBe(before.tensors);
  expect(after.storages, `${label}: live storages before and after`).toBe(before.storages);
  if (native !== undefined) expect(ctx.nativeCount!(), `${label}: the implementation's own live objects`).toBe(native);
}

const f = (b: Backend, dt: FloatDType, data: number[], shape?: number[]) => b.tensor(data, shape ?? [data.length], dt);
const i32 = (b: Backend, data: number[], shape?: number[]) => b.tensor(data, shape ?? [data.length], 'int32');
const bool = (b: Backend, data: number[], shape?: number[]) => b.tensor(data, shape ?? [data.length], 'bool');

function dtypeChecks(): CheckCase[] {
  return [
    {
      id: 'contract/dtype/mixed operands refused',
      check: (ctx, dt) =>
        expectNoLeak(ctx, 'mixed dtypes', () => {
          const b = ctx.backend;
          b.scope(() => {
            const x = f(b, dt, [1, 2]);
            const n = i32(b, [1, 2]);
            expect(() => b.add(x, n)).toThrow(DTypeError);
            expect(() => b.binary('maximum', n, x)).toThrow(DTypeError);
            expect(() => b.compare('less', x, n)).toThrow(DTypeError);
            expect(() => b.where(bool(b, [1, 0]), x, n)).toThrow(DTypeError);
            expect(() => b.concat([x, n])).toThrow(DTypeError);
            expect(() => b.matmul(f(b, dt, [1, 2], [1, 2]), b.cast(f(b, dt, [1, 2], [2, 1]), 'int32'))).toThrow(DTypeError);
            expect(() => b.add(x, n)).toThrow(/float(32|64).*int32|int32.*float/);
          });
        }),
    },
    {
      id: 'contract/dtype/int32 refused by float-only ops',
      check: (ctx) => {
        const b = ctx.backend;
        b.scope(() => {
          const n = i32(b, [1, 4], [1, 2]);
          for (const op of UNARY_OPS.filter((o) => !INT_UNARY_OPS.has(o))) expect(() => b.unary(op, n), op).toThrow(DTypeError);
          expect(() => b.div(n, n)).toThrow(DTypeError);
          expect(() => b.binary('pow', n, 2)).toThrow(DTypeError);
          expect(() => b.matmul(n, b.reshape(n, [2, 1]))).toThrow(DTypeError);
        });
      },
    },
    {
      id: 'contract/dtype/bool refused by math',
      check: (ctx) => {
        const b = ctx.backend;
        b.scope(() => {
          const c = bool(b, [1, 0, 1]);
          expect(() => b.unary('neg', c)).toThrow(DTypeError);
          expect(() => b.add(c, c)).toThrow(DTypeError);
          expect(() => b.reduce('sum', c)).toThrow(DTypeError);
          expect(() => b.reduce('max', c)).toThrow(DTypeError);
          expect(() => b.argReduce('argmax', c, 0)).toThrow(DTypeError);
        });
      },
    },
    {
      id: 'contract/dtype/comparisons give bool 0 and 1',
      check: async (ctx, dt) => {
        const b = ctx.backend;
        const out = b.scope(() => b.compare('greater', f(b, dt, [3, -1, 0, 2]), f(b, dt, [1, 1, 0, 5])));
        expect(out.dtype).toBe('bool');
        const data = await b.read(out);
        assertArrayKind(data, 'bool', 'compare');
        expect([...data]).toEqual([1, 0, 0, 0]);
        out.dispose();
      },
    },
    {
      id: 'contract/dtype/where needs a bool condition and int32 indices',
      check: (ctx, dt) => {
        const b = ctx.backend;
        b.scope(() => {
          const x = f(b, dt, [1, 2, 3]);
          expect(() => b.where(x, x, x)).toThrow(DTypeError);
          expect(() => b.gather(x, f(b, dt, [0, 1]))).toThrow(DTypeError);
          expect(() => b.scatterAdd(x, f(b, dt, [0, 1, 0]), 0, 2)).toThrow(DTypeError);
        });
      },
    },
    {
      id: 'contract/dtype/number operands take the tensor dtype',
      check: async (ctx, dt) => {
        const b = ctx.backend;
        const [a, c] = b.scope(() => [b.add(i32(b, [1, -2]), 3), b.mul(2, f(b, dt, [0.5, 1]))]);
        expect([a.dtype, c.dtype]).toEqual(['int32', dt]);
        expect([...(await b.read(a))]).toEqual([4, 1]);
        expect([...(await b.read(c))]).toEqual([1, 2]);
        b.dispose([a, c]);
      },
    },
    {
      id: 'contract/dtype/an int32 tensor with a non-integer number is promoted to float32',
      check: (ctx) =>
        expectNoLeak(ctx, 'promotion', async () => {
          const b = ctx.backend;
          // PyTorch 1.13: torch.tensor([1, -2], dtype=torch.int32) + 0.5 is tensor([1.5, -1.5]) (float32),
          // < 0.5 is [False, True], * float('nan') is [nan, nan]; an integer number keeps int32
          const ints = i32(b, [1, -2]);
          const cond = bool(b, [1, 0]);
          const out = b.scope(() => [
            b.add(ints, 0.5),
            b.mul(-0.25, ints),
            b.compare('less', ints, 0.5),
            b.compare('greaterEqual', -1.5, ints),
            b.binary('maximum', ints, Number.NaN),
            b.where(cond, ints, 0.5),
            b.where(cond, 2.5, ints),
            b.div(ints, 2.5),
            b.add(ints, 2),
          ]);
          expect(out.map((t) => t.dtype)).toEqual([
            'float32',
            'float32',
            'bool',
            'bool',
            'float32',
            'float32',
            'float32',
            'float32',
            'int32',
          ]);
          const values = await Promise.all(out.map(async (t) => [...(await b.read(t))]));
          expect(values).toEqual([
            [1.5, -1.5],
            [-0.25, 0.5],
            [0, 1],
            [0, 1],
            [Number.NaN, Number.NaN],
            [1, 0.5],
            [2.5, -2],
            [0.4, -0.8].map(Math.fround),
            [3, 0],
          ]);
          // an integer number out of int32's range is still refused, not promoted
          expect(() => b.add(ints, 2 ** 31)).toThrow(InvalidArgumentError);
          // division of int32 by an integer stays refused (there is no int32 division)
          expect(() => b.div(ints, 2)).toThrow(DTypeError);
          b.dispose([ints, cond, ...out]);
        }),
    },
  ];
}

function errorChecks(): CheckCase[] {
  return [
    {
      id: 'contract/errors/ShapeError for shapes that do not fit',
      check: (ctx, dt) =>
        expectNoLeak(ctx, 'shape errors', () => {
          const b = ctx.backend;
          b.scope(() => {
            const x = f(b, dt, [1, 2, 3, 4, 5, 6], [2, 3]);
            const y = f(b, dt, [1, 2, 3, 4, 5, 6], [3, 2]);
            expect(() => b.add(x, y)).toThrow(ShapeError);
            expect(() => b.add(x, y)).toThrow(/\[2, 3\].*\[3, 2\]/);
            expect(() => b.where(bool(b, [1, 0]), x, 1)).toThrow(ShapeError);
            expect(() => b.matmul(x, x)).toThrow(ShapeError);
            expect(() => b.reshape(x, [4])).toThrow(ShapeError);
            expect(() => b.reshape(x, [4, -1])).toThrow(ShapeError);
            expect(() => b.concat([x, y])).toThrow(ShapeError);
            expect(() => b.broadcastTo(x, [4, 3])).toThrow(ShapeError);
            expect(() => b.slice(x, [1, 1], [2, 1])).toThrow(ShapeError);
            expect(() => b.reduce('max', b.zeros([0, 2], dt), 0)).toThrow(ShapeError);
            expect(() => b.argReduce('argmax', b.scalar(1, dt), 0)).toThrow(ShapeError);
            expect(() => b.tensor([1, 2, 3], [2, 2], dt)).toThrow(ShapeError);
          });
        }),
    },
    {
      id: 'contract/errors/DisposedTensorError for released tensors',
      check: async (ctx, dt) => {
        const b = ctx.backend;
        const x = f(b, dt, [1, 2]);
        x.dispose();
        expect(x.disposed).toBe(true);
        await expect(b.read(x)).rejects.toThrow(DisposedTensorError);
        await expect(x.read()).rejects.toThrow(DisposedTensorError);
        if (b.capabilities.syncRead) expect(() => b.readSync(x)).toThrow(DisposedTensorError);
        expect(() => b.add(x, 1)).toThrow(DisposedTensorError);
        expect(() => b.reshape(x, [2, 1])).toThrow(DisposedTensorError);
        expect(() => x.dispose()).not.toThrow();
      },
    },
    {
      id: 'contract/errors/BackendMismatchError for tensors of two backends',
      check: (ctx, dt) => {
        const b = ctx.backend;
        const other = ctx.reference.tensor([1, 2], [2], 'float32');
        try {
          b.scope(() => {
            const x = f(b, dt, [1, 2]);
            expect(() => b.add(x, other)).toThrow(BackendMismatchError);
            expect(() => b.concat([x, other])).toThrow(BackendMismatchError);
            expect(() => b.dispose(other)).toThrow(BackendMismatchError);
          });
        } finally {
          other.dispose();
        }
      },
    },
    {
      id: 'contract/errors/float64 per capabilities',
      check: (ctx) =>
        expectNoLeak(ctx, 'float64', async () => {
          const b = ctx.backend;
          if (!b.capabilities.float64) {
            expect(() => b.tensor([1], [1], 'float64')).toThrow(UnsupportedError);
            expect(() => b.zeros([2], 'float64')).toThrow(UnsupportedError);
            const x = b.tensor([1, 2]);
            expect(() => b.cast(x, 'float64')).toThrow(UnsupportedError);
            x.dispose();
            return;
          }
          const fine = [0.1, 1 + 2 ** -40, -1e300];
          const x = b.tensor(fine, [3], 'float64');
          const data = await b.read(x);
          assertArrayKind(data, 'float64', 'float64 read');
          expect([...data]).toEqual(fine);
          const y = b.scope(() => b.sub(x, b.cast(b.cast(x, 'float32'), 'float64')));
          expect((await b.read(y))[1]).toBe(2 ** -40);
          b.dispose([x, y]);
        }),
    },
    {
      id: 'contract/errors/InvalidArgumentError for host data a dtype cannot hold',
      check: (ctx, dt) =>
        expectNoLeak(ctx, 'host data', async () => {
          const b = ctx.backend;
          // int32 takes values in [−2³¹, 2³¹ − 1], truncated toward zero; the rest is refused, not
          // wrapped (PyTorch 1.13's torch.tensor(v, dtype=torch.int32) on the same values: [1, -2]
          // and "value cannot be converted to type int32 without overflow" for the refused ones)
          const ints = b.tensor([1.9, -2.9, -(2 ** 31), 2 ** 31 - 1, -0], [5], 'int32');
          expect([...(await b.read(ints))]).toEqual([1, -2, -(2 ** 31), 2 ** 31 - 1, 0]);
          for (const v of [3e9, 2 ** 31, 2 ** 31 - 0.5, -(2 ** 31) - 1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
            expect(() => b.tensor([0, v], [2], 'int32'), `tensor([0, ${v}], int32)`).toThrow(InvalidArgumentError);
            expect(() => b.tensor([0, v], [2], 'int32'), `tensor([0, ${v}], int32)`).toThrow(/element 1 is .*int32 cannot hold/);
            expect(() => b.full([2], v, 'int32'), `full(${v}, int32)`).toThrow(InvalidArgumentError);
          }
          expect(() => b.tensor(new Float32Array([2 ** 31]), [1], 'int32')).toThrow(InvalidArgumentError);
          expect(() => b.tensor(new Uint32Array([2 ** 31]), [1], 'int32')).toThrow(InvalidArgumentError);
          expect(() => b.add(ints, 2 ** 31)).toThrow(InvalidArgumentError);
          const filled = b.full([2], -7.9, 'int32');
          expect([...(await b.read(filled))]).toEqual([-7, -7]);
          // booleans in a plain array are 1 and 0; NaN is true in bool, as cast has it
          const mask = b.tensor([true, false, Number.NaN, 0] as unknown as number[], [4], 'bool');
          expect([...(await b.read(mask))]).toEqual([1, 0, 1, 0]);
          const mixed = b.tensor([true, 2.5] as unknown as number[], [2], dt);
          expect([...(await b.read(mixed))]).toEqual([1, 2.5]);
          // full and scalar take a boolean the same way (PyTorch: torch.full((2,), True) is a bool tensor of True)
          const trues = b.full([3], true, 'bool');
          const zeros = b.full([2], false, dt);
          const one = b.scalar(true, 'int32');
          expect([...(await b.read(trues))]).toEqual([1, 1, 1]);
          expect([...(await b.read(zeros))]).toEqual([0, 0]);
          expect([...(await b.read(one))]).toEqual([1]);
          for (const bad of ['1', null, undefined, {}, 1n]) {
            expect(() => b.full([1], bad as unknown as number, dt), `full(${String(bad)})`).toThrow(InvalidArgumentError);
          }
          // what is not a number is refused, where a typed array would make it NaN or 0
          for (const bad of [[[1, 2]], ['1'], [null], [undefined], [{}]]) {
            expect(() => b.tensor(bad as unknown as number[], [1], dt), JSON.stringify(bad)).toThrow(InvalidArgumentError);
          }
          expect(() => b.tensor([[1, 2]] as unknown as number[], [1], dt)).toThrow(/nested arrays/);
          expect(() => b.tensor(new BigInt64Array([1n]) as unknown as number[], [1], dt)).toThrow(InvalidArgumentError);
          b.dispose([ints, filled, mask, mixed, trues, zeros, one]);
        }),
    },
    {
      id: 'contract/errors/failed calls leak nothing',
      check: (ctx, dt) => {
        const b = ctx.backend;
        const x = f(b, dt, [1, 2, 3]);
        const n = i32(b, [1, 2, 3]);
        const c = bool(b, [1, 0]);
        return expectNoLeak(ctx, 'failed calls', () => {
          expect(() => b.div(n, 2)).toThrow(DTypeError);
          expect(() => b.where(c, x, 1)).toThrow(ShapeError);
          b.scope(() => expect(() => b.add(x, b.zeros([2], dt))).toThrow(ShapeError));
          expect(() =>
            b.scope(() => {
              b.add(x, 1);
              throw new Error('thrown inside a scope');
            }),
          ).toThrow(/inside a scope/);
        }).finally(() => b.dispose([x, n, c]));
      },
    },
  ];
}

function memoryChecks(): CheckCase[] {
  return [
    {
      id: 'contract/memory/10,000 ops inside scopes leave the count flat',
      check: (ctx, dt) =>
        expectNoLeak(ctx, '10,000 ops', () => {
          const b = ctx.backend;
          const w = b.keep(b.tensor([0.5, -0.25, 0.125, 1, 0.75, -0.5, 0.25, 0.1, -1], [3, 3], dt));
          let acc = b.keep(b.zeros([3, 3], dt));
          for (let i = 0; i < 1000; i++) {
            const next = b.scope(() => {
              const h = b.matmul(acc, w); // 1
              const t = b.unary('tanh', b.add(h, 0.01)); // 3
              const m = b.where(b.compare('greater', t, 0), t, b.mul(t, 0.5)); // 6
              const s = b.reduce('sum', b.transpose(m), 0, true); // 8
              return b.sub(m, b.div(s, 30)); // 10
            });
            acc.dispose();
            acc = b.keep(next);
          }
          b.dispose([w, acc]);
        }),
    },
    {
      id: 'contract/memory/scopes keep returned and kept tensors',
      check: (ctx, dt) =>
        expectNoLeak(ctx, 'scopes', async () => {
          const b = ctx.backend;
          let temp: Tensor | undefined;
          let kept: Tensor | undefined;
          let innerOut: Tensor | undefined;
          const out = b.scope(() => {
            temp = b.tensor([1, 2], [2], dt);
            kept = b.keep(b.mul(temp, 3));
            innerOut = b.scope(() => b.add(temp!, 1));
            const nested = b.scope(() => b.mul(innerOut!, 2));
            return { a: nested, list: [b.unary('neg', temp)], map: new Map([['k', b.add(nested, 0)]]) } as {
              a: Tensor;
              list: Tensor[];
              map: Map<string, Tensor>;
            };
          });
          expect(temp!.disposed, 'an intermediate of the scope').toBe(true);
          expect(innerOut!.disposed, 'an inner result not returned by the outer scope').toBe(true);
          expect([...(await b.read(out.a))]).toEqual([4, 6]);
          expect([...(await b.read(out.list[0]))]).toEqual([-1, -2]);
          expect([...(await b.read(out.map.get('k')!))]).toEqual([4, 6]);
          expect([...(await b.read(kept!))]).toEqual([3, 6]);
          b.dispose([out.a, out.list, out.map, kept!]);
          expect(out.a.disposed && kept!.disposed && out.map.get('k')!.disposed).toBe(true);
        }),
    },
    {
      id: 'contract/memory/reshaped views outlive their source',
      check: (ctx, dt) =>
        expectNoLeak(ctx, 'reshape views', async () => {
          const b = ctx.backend;
          const x = b.tensor([1, 2, 3, 4, 5, 6], [2, 3], dt);
          const y = b.reshape(x, [3, 2]);
          const z = b.broadcastTo(x, [2, 3]);
          x.dispose();
          expect([...(await b.read(y))]).toEqual([1, 2, 3, 4, 5, 6]);
          const s = b.scope(() => b.reduce('sum', b.add(y, 1)));
          expect([...(await b.read(s))]).toEqual([27]);
          expect([...(await b.read(z))]).toEqual([1, 2, 3, 4, 5, 6]);
          b.dispose([y, z, s]);
        }),
    },
  ];
}

function readChecks(): CheckCase[] {
  return [
    {
      id: 'contract/read/async read gives the typed array of each dtype',
      check: (ctx, dt) =>
        expectNoLeak(ctx, 'read', async () => {
          const b = ctx.backend;
          const cases: [Tensor, number[]][] = [
            [b.tensor([0.5, -1.25, 3], [3], dt), [0.5, -1.25, 3]],
            [b.tensor([-(2 ** 31), 2 ** 31 - 1, 7], [3], 'int32'), [-(2 ** 31), 2 ** 31 - 1, 7]],
            [b.tensor([0, 1, 1], [3], 'bool'), [0, 1, 1]],
            [b.scalar(2.5, dt), [2.5]],
            [b.zeros([2, 0], dt), []],
          ];
          for (const [t, want] of cases) {
            const data = await b.read(t);
            assertArrayKind(data, t.dtype, `read(${t})`);
            expect([...data], `read(${t})`).toEqual(want);
            if (data.length > 0) {
              data[0] = 99;
              expect((await b.read(t))[0], 'read returns a copy').toBe(want[0]);
            }
          }
          b.dispose(cases.map(([t]) => t));
        }),
    },
    {
      id: 'contract/read/readSync per capabilities',
      check: (ctx, dt) =>
        expectNoLeak(ctx, 'readSync', async () => {
          const b = ctx.backend;
          const ts = [b.tensor([0.5, -1.25], [2], dt), b.tensor([3, -4], [2], 'int32'), b.tensor([1, 0], [2], 'bool')];
          for (const t of ts) {
            if (b.capabilities.syncRead) {
              const data = b.readSync(t);
              assertArrayKind(data, t.dtype, `readSync(${t})`);
              expect([...data]).toEqual([...(await b.read(t))]);
            } else expect(() => b.readSync(t)).toThrow(UnsupportedError);
          }
          b.dispose(ts);
        }),
    },
    {
      id: 'contract/identity/name, version and capabilities',
      check: (ctx) => {
        const b = ctx.backend;
        expect(b.specificationVersion).toBe(SPECIFICATION_VERSION);
        expect(typeof b.name === 'string' && b.name.length > 0).toBe(true);
        const caps = b.capabilities;
        expect(typeof caps.float64 && typeof caps.syncRead && typeof caps.inPlace && typeof caps.programs).toBe('boolean');
        // writing in place is something compiled programs do; the composed interpretation never does
        if (caps.inPlace) expect(caps.programs, 'capabilities.inPlace without capabilities.programs').toBe(true);
      },
    },
  ];
}

/** Checks of the contract: dtype rules, typed errors, memory and scopes, read-back. */
export function contractCases(): CheckCase[] {
  return [...dtypeChecks(), ...errorChecks(), ...memoryChecks(), ...readChecks()];
}
