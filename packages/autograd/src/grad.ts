import { DTypeError, InvalidArgumentError, ShapeError, checkOptions, fmtShape, isFloatDType, type Tensor } from '@downhill/backend';
import { backward } from './backward.js';
import {
  backendOf,
  describe,
  type TracedInput,
  gradTrees,
  lowerTree,
  normalizeArgnums,
  ownHandles,
  tensorsIn,
  wrapInputs,
  wrtFilter,
} from './differentiate.js';
import { closeTrace, isTracing, openTrace, withRecording } from './trace.js';
import { Traced, isTensorLike, rawTensor, type TensorLike } from './traced.js';
import type { AsTensors, Grads, ParamTree } from './tree.js';

/** Options of {@link grad} and {@link valueAndGrad}. */
export interface GradOptions<N extends number | readonly number[] = number | readonly number[]> {
  /** Which positional arguments to differentiate: one index (the gradient is that argument's tree) or several (a tuple of trees). Default 0. */
  readonly argnums?: N;
  /** Dotted paths (or prefixes) of the leaves to differentiate inside the one differentiated argument; the others act as constants and are left out of the gradient tree. Default: every leaf. */
  readonly wrt?: readonly string[];
  /** `f` returns `[output, aux]`; `aux` comes back with the gradients, undifferentiated, its tensor leaves typed `Tensor` (they are concrete at the top level). Default false. */
  readonly hasAux?: boolean;
}

/** The gradient of the arguments named by `N` (one tree for a number, a tuple for a list). */
export type ArgGrads<A extends readonly unknown[], N> = N extends number
  ? Grads<A[N]>
  : N extends readonly number[]
    ? { -readonly [K in keyof N]: Grads<A[N[K] & number]> }
    : Grads<A[0]>;

/**
 * The type an unannotated first parameter of `f` takes in {@link grad} and {@link valueAndGrad}
 * (`valueAndGrad((params) => …)`): a record of named parameter trees, what `model.parameters()`
 * gives and `model.apply` takes. Annotate the parameter to choose another tree type.
 */
export interface NamedTrees {
  readonly [name: string]: ParamTree;
}

/** Runs `f` under a new trace and differentiates its scalar output. @internal */
function run(f: (...args: unknown[]) => unknown, args: unknown[], options: GradOptions, where: string, withValue: boolean) {
  const { argnums, wrt, hasAux = false } = options;
  const nums = normalizeArgnums(argnums, args.length, where);
  if (wrt !== undefined && nums.length !== 1)
    throw new InvalidArgumentError(`${where}: wrt selects leaves of one argument; argnums names ${nums.length}`);
  const keep = wrtFilter(args[nums[0]], wrt, where);
  const nested = isTracing();
  const body = () => {
    const trace = openTrace();
    let result: unknown;
    let inputs: TracedInput[];
    try {
      const wrapped = wrapInputs(trace, args, nums, keep, where);
      inputs = wrapped.inputs;
      backendOf(inputs, where);
      result = withRecording(() => f(...wrapped.args));
    } finally {
      closeTrace(trace);
    }
    if (hasAux && !(Array.isArray(result) && result.length === 2)) {
      throw new InvalidArgumentError(`${where}: with hasAux, f must return [output, aux]; it returned ${describe(result)}`);
    }
    const out = hasAux ? (result as unknown[])[0] : result;
    if (!isTensorLike(out)) {
      throw new InvalidArgumentError(
        `${where}: f must return a scalar tensor${hasAux ? ' as the first element of [output, aux]' : ''}; it returned ${describe(out)}`,
      );
    }
    if (out.size !== 1) {
      throw new ShapeError(
        `${where}: f returned shape ${fmtShape(out.shape)}; ${where} needs a scalar output: reduce it (ops.sum / ops.mean) or use vjp with a cotangent`,
      );
    }
    if (!isFloatDType(out.dtype)) throw new DTypeError(`${where}: f returned a ${out.dtype} tensor; gradients need a float output`);
    const seeds = new Map<number, TensorLike>();
    if (out instanceof Traced && out.trace === trace) seeds.set(out.node, rawTensor(out).backend.ones(out.shape, out.dtype));
    const cts = backward(trace, seeds);
    const grads = gradTrees(args, nums, keep, inputs, cts);
    const value = out instanceof Traced && out.trace === trace ? out.primal : out;
    const aux = hasAux ? lowerTree((result as unknown[])[1], trace) : undefined;
    const results = {
      value: withValue ? value : undefined,
      grads: typeof argnums === 'number' || argnums === undefined ? grads[0] : grads,
      aux,
    };
    return nested ? results : ownHandles(results, tensorsIn(args));
  };
  if (nested) return body();
  // Find the backend first (outside the scope) so a bad call fails before anything is made.
  const probe = args.flatMap((a, i) => (nums.includes(i) ? [a] : []));
  const first = tensorsIn(...probe)
    .values()
    .next().value;
  if (!first)
    throw new InvalidArgumentError(
      `${where}: the differentiated arguments hold no tensors; pass the parameters (a tensor or a tree of tensors) to differentiate`,
    );
  return first.backend.scope(body as () => never) as ReturnType<typeof body>;
}

/**
 * The gradient of a scalar function of named parameter trees (reverse mode).
 *
 * Math: for `f: ℝⁿ → ℝ`, `grad(f)(θ) = ∇f(θ)`, with the same tree structure as `θ`. Gradients are
 * un-broadcast to each leaf's shape; a leaf `f` does not use gets zeros.
 *
 * The forward and backward passes run in a memory scope: everything they make is released except
 * the returned gradients (new tensors, each the caller's to dispose). Inside an enclosing `grad`
 * (as in `grad(grad(f))` or {@link hvp}) nothing is released and the gradients are themselves
 * differentiable.
 *
 * Types: with the default `argnums` (0), the returned function is generic over the tree passed in,
 * whose shape comes back in the gradients (`{ w, layers: [{ k }] }` gives `{ w: Tensor, layers:
 * { k: Tensor }[] }`), and an unannotated first parameter of `f` (`(params) => …`) is a
 * {@link NamedTrees}, not `any`. Annotate it to choose another tree type.
 *
 * @param f - `(params, ...rest) => scalar`; use `ops` inside it.
 * @param options - `argnums` (which arguments), `wrt` (which leaves), `hasAux`.
 * @returns a function of the same arguments returning the gradient tree(s) (and `aux` with `hasAux`: `[grads, aux]`).
 * @throws ShapeError when `f` returns a non-scalar; InvalidArgumentError for `argnums`/`wrt` naming nothing.
 *
 * @example
 * ```ts
 * const loss = (p: { w: TensorLike; b: TensorLike }, x: Tensor, y: Tensor) =>
 *   ops.mean(ops.square(ops.sub(ops.add(ops.matmul(x, p.w), p.b), y)));
 * const g = grad(loss)({ w, b }, x, y); // { w: Tensor, b: Tensor }
 * ```
 */
export function grad<P extends ParamTree = NamedTrees, R extends readonly unknown[] = []>(
  f: (params: P, ...rest: R) => TensorLike,
  options?: GradOptions<0> & { hasAux?: false },
): <T extends P>(params: T, ...rest: R) => Grads<T>;
export function grad<P extends ParamTree = NamedTrees, R extends readonly unknown[] = [], X = unknown>(
  f: (params: P, ...rest: R) => readonly [TensorLike, X],
  options: GradOptions<0> & { hasAux: true },
): <T extends P>(params: T, ...rest: R) => [Grads<T>, AsTensors<X>];
// biome-ignore lint/suspicious/noExplicitAny: other argnums, or a first parameter that is no tree: an unannotated parameter of f is any, not unknown, so the call type-checks; annotated ones keep their types
export function grad<A extends readonly any[], const N extends number | readonly number[] = 0>(
  f: (...args: A) => TensorLike,
  options?: GradOptions<N> & { hasAux?: false },
): (...args: A) => ArgGrads<A, N>;
// biome-ignore lint/suspicious/noExplicitAny: an unannotated parameter of f (JavaScript, or `(params) => …`) is any, not unknown, so the call type-checks; annotated ones keep their types
export function grad<A extends readonly any[], X, const N extends number | readonly number[] = 0>(
  f: (...args: A) => readonly [TensorLike, X],
  options: GradOptions<N> & { hasAux: true },
): (...args: A) => [ArgGrads<A, N>, AsTensors<X>];
export function grad(f: (...args: never[]) => unknown, options?: GradOptions): (...args: unknown[]) => unknown {
  checkFunction(f, 'grad');
  const opts = checkOptions('grad', options, GRAD_KEYS);
  return (...args: unknown[]) => {
    const r = run(f as (...a: unknown[]) => unknown, args, opts, 'grad', false);
    return opts.hasAux ? [r.grads, r.aux] : r.grads;
  };
}

/**
 * The value and the gradient of a scalar function, from one forward and one backward pass.
 * Same as {@link grad}, also returning `f`'s output (JAX's `value_and_grad`).
 * Types as for {@link grad}.
 *
 * @param f - `(params, ...rest) => scalar`, or `=> [scalar, aux]` with `hasAux`.
 * @param options - `argnums`, `wrt`, `hasAux`.
 * @returns a function returning `[value, grads]`, or `[[value, aux], grads]` with `hasAux`.
 *
 * @example
 * ```ts
 * const [loss, grads] = valueAndGrad(lossFn)(params, batch);
 * console.log(await loss.read());
 * ```
 */
export function valueAndGrad<P extends ParamTree = NamedTrees, R extends readonly unknown[] = []>(
  f: (params: P, ...rest: R) => TensorLike,
  options?: GradOptions<0> & { hasAux?: false },
): <T extends P>(params: T, ...rest: R) => [Tensor, Grads<T>];
export function valueAndGrad<P extends ParamTree = NamedTrees, R extends readonly unknown[] = [], X = unknown>(
  f: (params: P, ...rest: R) => readonly [TensorLike, X],
  options: GradOptions<0> & { hasAux: true },
): <T extends P>(params: T, ...rest: R) => [[Tensor, AsTensors<X>], Grads<T>];
// biome-ignore lint/suspicious/noExplicitAny: other argnums, or a first parameter that is no tree: an unannotated parameter of f is any, not unknown, so the call type-checks; annotated ones keep their types
export function valueAndGrad<A extends readonly any[], const N extends number | readonly number[] = 0>(
  f: (...args: A) => TensorLike,
  options?: GradOptions<N> & { hasAux?: false },
): (...args: A) => [Tensor, ArgGrads<A, N>];
// biome-ignore lint/suspicious/noExplicitAny: an unannotated parameter of f (JavaScript, or `(params) => …`) is any, not unknown, so the call type-checks; annotated ones keep their types
export function valueAndGrad<A extends readonly any[], X, const N extends number | readonly number[] = 0>(
  f: (...args: A) => readonly [TensorLike, X],
  options: GradOptions<N> & { hasAux: true },
): (...args: A) => [[Tensor, AsTensors<X>], ArgGrads<A, N>];
export function valueAndGrad(f: (...args: never[]) => unknown, options?: GradOptions): (...args: unknown[]) => unknown {
  checkFunction(f, 'valueAndGrad');
  const opts = checkOptions('valueAndGrad', options, GRAD_KEYS);
  return (...args: unknown[]) => {
    const r = run(f as (...a: unknown[]) => unknown, args, opts, 'valueAndGrad', true);
    return opts.hasAux ? [[r.value, r.aux], r.grads] : [r.value, r.grads];
  };
}

const GRAD_KEYS = { argnums: true, wrt: true, hasAux: true } as const;

function checkFunction(f: unknown, where: string): void {
  if (typeof f !== 'function') throw new InvalidArgumentError(`${where}: expected a function to differentiate, got ${describe(f)}`);
}
