import { DTypeError, InvalidArgumentError, ShapeError, type Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { grad, hvp, ops, valueAndGrad, vjp, type TensorLike } from './index.js';

const backend = cpu();
const made: Tensor[] = [];
const t = (data: number[], shape?: number[], dtype: 'float64' | 'float32' | 'int32' = 'float64') => {
  const x = backend.tensor(data, shape ?? [data.length], dtype);
  made.push(x);
  return x;
};
/** Calls a pullback with a cotangent, then releases the output and the tape either way. */
function pullWith<O>(f: (x: TensorLike) => O, x: Tensor, ct: () => unknown): unknown {
  const [y, pullback] = vjp(f, x);
  try {
    return pullback(ct() as O);
  } finally {
    pullback.dispose();
    backend.dispose(y as never);
  }
}

/** Each bad call: what it does, the error class, and words the message must contain. */
const CASES: { name: string; call: () => unknown; error: new (...a: never[]) => Error; says: RegExp[] }[] = [
  {
    name: 'grad of a non-scalar output',
    call: () => grad((x: TensorLike) => ops.mul(x, 2))(t(Array(12).fill(1), [3, 4])),
    error: ShapeError,
    says: [/f returned shape \[3, 4\]/, /grad needs a scalar output/, /ops\.sum \/ ops\.mean/, /vjp with a cotangent/],
  },
  {
    name: 'valueAndGrad of a non-scalar output',
    call: () => valueAndGrad((x: TensorLike) => x)(t([1, 2])),
    error: ShapeError,
    says: [/f returned shape \[2\]/, /valueAndGrad needs a scalar output/],
  },
  {
    name: 'a cotangent of the wrong shape',
    call: () =>
      pullWith(
        (x) => ops.mul(x, 2),
        t([1, 2, 3]),
        () => t([1, 2]),
      ),
    error: ShapeError,
    says: [/cotangent of the output has shape \[2\]/, /f returned shape \[3\]/],
  },
  {
    name: 'a cotangent tree of the wrong structure',
    call: () =>
      pullWith(
        (x) => ({ a: x, b: x }),
        t([1]),
        () => ({ a: t([1]) }),
      ),
    error: InvalidArgumentError,
    says: [/structure of f's output/],
  },
  {
    name: 'a cotangent of the wrong dtype',
    call: () =>
      pullWith(
        (x) => x,
        t([1]),
        () => t([1], [1], 'float32'),
      ),
    error: DTypeError,
    says: [/float32/, /float64/],
  },
  {
    name: 'wrt naming a missing key',
    call: () => grad((p: { w: TensorLike; b: TensorLike }) => ops.sum(p.w), { wrt: ['dense3.kernel'] })({ w: t([1]), b: t([2]) }),
    error: InvalidArgumentError,
    says: [/wrt names 'dense3\.kernel'/, /leaves are: w, b/],
  },
  {
    name: 'argnums naming a missing argument',
    call: () => grad((a: TensorLike) => ops.sum(a), { argnums: 2 })(t([1])),
    error: InvalidArgumentError,
    says: [/argnums names argument 2/, /called with 1 argument/],
  },
  {
    name: 'differentiating an integer tensor',
    call: () => grad((p: { x: TensorLike; labels: TensorLike }) => ops.sum(p.x))({ x: t([1]), labels: t([1], [1], 'int32') }),
    error: DTypeError,
    says: [/parameter 'labels'/, /int32/, /another argument, or leave it out with wrt/],
  },
  {
    name: 'differentiating a number leaf',
    call: () => grad((p: { x: TensorLike; lr: number }) => ops.sum(p.x))({ x: t([1]), lr: 0.1 }),
    error: InvalidArgumentError,
    says: [/parameter 'lr' is number 0\.1/, /only tensors can be differentiated/],
  },
  {
    name: 'differentiating nothing',
    call: () => grad((p: Record<string, TensorLike>) => ops.sum(p.x ?? t([0])))({}),
    error: InvalidArgumentError,
    says: [/hold no tensors/],
  },
  {
    name: 'f returning something other than a tensor',
    call: () => grad((_x: TensorLike) => 3 as unknown as TensorLike)(t([1])),
    error: InvalidArgumentError,
    says: [/must return a scalar tensor/, /number 3/],
  },
  {
    name: 'hasAux without a pair',
    call: () => grad((x: TensorLike) => [ops.sum(x)] as unknown as readonly [TensorLike, number], { hasAux: true })(t([1])),
    error: InvalidArgumentError,
    says: [/hasAux, f must return \[output, aux\]/],
  },
  {
    name: 'a traced value used after its grad returned',
    call: () => {
      let leaked: TensorLike | undefined;
      made.push(
        grad((x: TensorLike) => {
          leaked = ops.mul(x, 2);
          return ops.sum(x);
        })(t([1])),
      );
      return ops.add(leaked!, 1);
    },
    error: InvalidArgumentError,
    says: [/already returned/, /hasAux/, /detach/],
  },
  {
    name: 'hvp with a direction of the wrong shape',
    call: () => hvp((p: { x: TensorLike }) => ops.sum(ops.square(p.x)), { x: t([1, 2]) }, { x: t([1, 2, 3]) }),
    error: ShapeError,
    says: [/v at 'x' has shape \[3\]/, /parameter has shape \[2\]/],
  },
  {
    name: 'a pullback called after dispose',
    call: () => {
      const [y, pullback] = vjp((x: TensorLike) => x, t([1]));
      pullback.dispose();
      y.dispose();
      return pullback(t([1]));
    },
    error: InvalidArgumentError,
    says: [/pullback was disposed/],
  },
];

describe('errors', () => {
  for (const c of CASES) {
    it(`${c.name}: a typed error that says what to do, and nothing leaks`, () => {
      const before = backend.memory().tensors;
      let thrown: unknown;
      try {
        c.call();
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(c.error);
      for (const s of c.says) expect((thrown as Error).message).toMatch(s);
      // Once the case's own inputs are released, nothing the failed call made remains.
      backend.dispose(made.splice(0));
      expect(backend.memory().tensors).toBe(before);
    });
  }

  it('leaves no trace recording after f throws', () => {
    expect(() =>
      grad((x: TensorLike) => {
        ops.mul(x, 2);
        throw new Error('boom');
      })(t([1])),
    ).toThrow('boom');
    // Later work is untraced and correct.
    const g = grad((x: TensorLike) => ops.sum(ops.mul(x, 3)))(t([1]));
    expect(Array.from(backend.readSync(g as Tensor))).toEqual([3]);
  });
});
