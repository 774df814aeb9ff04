import { DTypeError, InvalidArgumentError, ShapeError, Tensor, fmtShape, shapesEqual } from '@downhill/backend';
import { backward } from './backward.js';
import { add } from './ops/elementwise.js';
import { backendOf, describe, gradTrees, lowerTree, ownHandles, tensorsIn, wrapInputs } from './differentiate.js';
import { closeTrace, isTracing, openTrace, withRecording } from './trace.js';
import { Traced, isTensorLike, rawTensor, type TensorLike } from './traced.js';
import { flattenTree, mapTree, sameStructure, type AsTensors, type Grads } from './tree.js';

/**
 * The pullback of {@link vjp}: maps a cotangent of the output (same tree and shapes) to the
 * cotangent of the primals (same tree as the primals). Callable many times; `dispose()` releases
 * the tape it keeps.
 */
export interface Pullback<P, O> {
  (cotangent: O): Grads<P>;
  /** Releases the tensors the tape holds for later calls (a disposed pullback throws when called). */
  dispose(): void;
}

/**
 * The output of `f` at `primals` and its vector-Jacobian product function (reverse mode, JAX's
 * `vjp`). `f` may return a tensor or a tree of tensors; the pullback takes a cotangent of the same
 * tree and shapes. Use it for non-scalar outputs, or to reuse one forward pass for many
 * cotangents.
 *
 * Math: `pullback(v) = vᵀ·J_f(primals)`.
 *
 * Memory: the tape (the forward intermediates) lives until `pullback.dispose()`; each pullback
 * call runs in a scope and returns fresh gradient tensors. Inside an enclosing `grad` nothing is
 * released and everything stays differentiable.
 *
 * @param f - a function of one argument (a tensor or a tree of tensors).
 * @param primals - the point.
 * @returns `[output, pullback]`.
 * @throws ShapeError / DTypeError from the pullback when a cotangent does not match the output.
 *
 * @example
 * ```ts
 * const [y, pullback] = vjp((x: TensorLike) => ops.mul(x, x), x);
 * const dx = pullback(backend.ones(y.shape, y.dtype)); // 2x
 * pullback.dispose();
 * ```
 */
export function vjp<P, O>(f: (primals: P) => O, primals: P): [AsTensors<O>, Pullback<P, O>] {
  if (typeof f !== 'function') throw new InvalidArgumentError(`vjp: expected a function, got ${describe(f)}`);
  const nested = isTracing();
  const forward = () => {
    const trace = openTrace();
    let out: unknown;
    let wrapped: ReturnType<typeof wrapInputs>;
    try {
      wrapped = wrapInputs(trace, [primals], [0], undefined, 'vjp');
      backendOf(wrapped.inputs, 'vjp');
      out = withRecording(() => f(wrapped.args[0] as P));
    } finally {
      closeTrace(trace);
    }
    const leaves = flattenTree(out);
    for (const [path, leaf] of leaves) {
      if (!isTensorLike(leaf))
        throw new InvalidArgumentError(
          `vjp: f must return a tensor or a tree of tensors; ${path === '' ? 'it' : `output '${path}'`} is ${describe(leaf)}`,
        );
    }
    const lowered = lowerTree(out, trace);
    return { trace, inputs: wrapped.inputs, out, lowered };
  };
  let state: ReturnType<typeof forward>;
  let held: Tensor[] = [];
  if (nested) state = forward();
  else {
    const backend = tensorsIn(primals).values().next().value?.backend;
    if (!backend) throw new InvalidArgumentError('vjp: the primals hold no tensors; pass a tensor or a tree of tensors');
    const marker = backend.scalar(0);
    const firstId = marker.id;
    marker.dispose();
    // Keep what the tape refers to (made during the forward pass) alive past the scope.
    const r = backend.scope(() => {
      const s = forward();
      const tape = new Set<Tensor>();
      for (const node of s.trace.nodes) {
        for (const a of [...node.args, node.out]) if (isTensorLike(a) && rawTensor(a).id > firstId) tape.add(rawTensor(a));
      }
      // The caller gets handles of its own, so disposing the tape never touches the output.
      const lowered = mapTree(s.lowered, (leaf) => (leaf instanceof Tensor ? leaf.backend.reshape(leaf, leaf.shape) : leaf));
      return { s, lowered, tape: [...tape] };
    });
    state = { ...r.s, lowered: r.lowered };
    held = r.tape;
  }
  let disposed = false;
  const pullback = ((cotangent: O) => {
    if (disposed) throw new InvalidArgumentError('vjp: this pullback was disposed; call vjp again');
    checkCotangent(state.lowered, cotangent);
    const body = () => {
      const seeds = new Map<number, TensorLike>();
      const outs = flattenTree(state.out);
      const cts = flattenTree(cotangent);
      outs.forEach(([, o], i) => {
        if (!(o instanceof Traced) || o.trace !== state.trace) return;
        const c = cts[i][1] as TensorLike;
        const prev = seeds.get(o.node);
        seeds.set(o.node, prev === undefined ? c : add(prev, c));
      });
      const grads = gradTrees([primals], [0], undefined, state.inputs, backward(state.trace, seeds))[0];
      return nested || isTracing() ? grads : ownHandles(grads, tensorsIn(primals, cotangent));
    };
    if (nested || isTracing()) return body() as Grads<P>;
    return rawTensor(state.inputs[0].traced).backend.scope(body) as Grads<P>;
  }) as Pullback<P, O>;
  pullback.dispose = () => {
    if (disposed) return;
    disposed = true;
    for (const t of held) t.dispose();
    held = [];
  };
  return [state.lowered as AsTensors<O>, pullback];
}

function checkCotangent(out: unknown, ct: unknown): void {
  if (!sameStructure(out, ct)) {
    throw new InvalidArgumentError(`vjp: the cotangent must have the structure of f's output (${describe(out)}); got ${describe(ct)}`);
  }
  const outs = flattenTree(out);
  const cts = flattenTree(ct);
  outs.forEach(([path, o], i) => {
    const c = cts[i][1];
    const name = path === '' ? 'the output' : `output '${path}'`;
    if (!isTensorLike(c)) throw new InvalidArgumentError(`vjp: the cotangent of ${name} must be a tensor, got ${describe(c)}`);
    const ot = o as TensorLike;
    if (!shapesEqual(c.shape, ot.shape)) {
      throw new ShapeError(
        `vjp: the cotangent of ${name} has shape ${fmtShape(c.shape)} but f returned shape ${fmtShape(ot.shape)}; pass a cotangent of the output's shape`,
      );
    }
    if (c.dtype !== ot.dtype) throw new DTypeError(`vjp: the cotangent of ${name} is ${c.dtype} but f returned ${ot.dtype}; cast it`);
  });
}
