import { DownhillError, Tensor, checkTrees } from '@downhill/backend';
import { REPLAY_MISS, ReplayBackend } from '../program/replay-backend.js';
import { TracingBackend } from '../program/tracing-backend.js';
import { stateTensors } from '../tree.js';
import type { Params } from '../types.js';

/**
 * A callback given to an optimizer (a Hessian estimate, a gradient at a perturbed point, a value
 * and gradient for a line search) returned what the optimizer cannot use: a tree with other
 * names, shapes or dtypes than the parameters, a value that is not a finite number, or nothing.
 * Thrown before anything changes: the parameters and the state stay as they were.
 *
 * @example
 * ```ts
 * try {
 *   step(tx, params, grads, state);
 * } catch (e) {
 *   if (e instanceof CallbackResultError) console.error(e.message); // "sophia: the Hessian estimate ..."
 * }
 * ```
 */
export class CallbackResultError extends DownhillError {
  constructor(message: string) {
    super('CALLBACK_RESULT', message);
  }
}

/**
 * A Hessian-diagonal estimate was due (Sophia, AdaHessian) but none was given: the option
 * `hessianEstimate` is missing, or the callback returned `undefined`.
 *
 * @example
 * ```ts
 * try {
 *   sophia(1e-3, {}); // no hessianEstimate
 * } catch (e) {
 *   if (e instanceof MissingHessianEstimateError) console.error(e.message);
 * }
 * ```
 */
export class MissingHessianEstimateError extends DownhillError {
  constructor(message: string) {
    super('MISSING_HESSIAN_ESTIMATE', message);
  }
}

/**
 * The real tensors behind a tree that `step` may be tracing: a callback (user code, often
 * autograd) gets ordinary tensors of the real backend, never the recorded stand-ins.
 *
 * @internal
 */
export function realTree(tree: Params): Params {
  return mapTreesNoScope(tree, (t) => {
    // a replayed step cannot hand a callback real tensors: the step is traced afresh
    if (t.backend instanceof ReplayBackend) throw REPLAY_MISS;
    return t.backend instanceof TracingBackend ? t.backend.materialize(t.backend.node(t)) : t;
  });
}

/**
 * The tree a callback returned, as seen by the rest of a traced update: while `step` traces,
 * its real tensors become inputs of the recorded programs (so they combine with the traced
 * state); otherwise the tree as it is.
 *
 * @internal
 */
export function tracedLike(tree: Params, like: Params): Params {
  const first = firstTensor(like);
  if (first?.backend instanceof ReplayBackend) throw REPLAY_MISS;
  if (!first || !(first.backend instanceof TracingBackend)) return tree;
  const tracer = first.backend;
  return mapTreesNoScope(tree, (t) => (t.backend === tracer ? t : tracer.input(t)));
}

function firstTensor(tree: unknown): Tensor | undefined {
  if (tree instanceof Tensor) return tree;
  if (tree === null || typeof tree !== 'object') return undefined;
  for (const v of Object.values(tree)) {
    const t = firstTensor(v);
    if (t) return t;
  }
  return undefined;
}

/** A structural map that keeps tensors as they are (no scopes, no copies). */
function mapTreesNoScope(tree: Params, fn: (t: Tensor) => Tensor): Params {
  if (tree instanceof Tensor) return fn(tree) as unknown as Params;
  if (Array.isArray(tree)) return tree.map((x) => mapTreesNoScope(x as Params, fn)) as unknown as Params;
  return Object.fromEntries(Object.entries(tree as Record<string, Params>).map(([k, v]) => [k, mapTreesNoScope(v, fn)])) as Params;
}

/**
 * Checks a tree a callback returned against the parameters (names, shapes, dtypes, one backend)
 * and returns it. Throws {@link CallbackResultError} naming the optimizer and the callback.
 *
 * @internal
 */
export function checkReturnedTree(where: string, what: string, result: unknown, like: Params): Params {
  if (result === undefined || result === null || typeof result !== 'object') {
    throw new CallbackResultError(`${where}: ${what} must return a tree of tensors shaped like the parameters, got ${String(result)}`);
  }
  try {
    const rows = checkTrees([like, result as Params], { where, labels: ['parameter', what] });
    const backend = rows[0]?.[1][0].backend;
    const real = backend instanceof TracingBackend ? backend.real : backend;
    for (const [name, [, t]] of rows) {
      if (t.backend !== real && t.backend !== backend) {
        throw new CallbackResultError(`${where}: ${what} returned '${name}' on backend '${t.backend.label}', not the parameters' backend`);
      }
    }
  } catch (e) {
    if (e instanceof CallbackResultError) throw e;
    throw new CallbackResultError(e instanceof Error ? e.message : String(e));
  }
  return result as Params;
}

/**
 * Releases the tensors a callback returned once they are consumed, except those that are also
 * inputs of the call (a callback may hand back a parameter). While `step` traces, the tensors
 * are left to the step's scope (a recorded program may still read them).
 *
 * @internal
 */
export function releaseReturned(returned: Params | undefined, traced: boolean, ...inputs: unknown[]): void {
  if (!returned || traced) return;
  const keep = new Set<Tensor>();
  for (const x of inputs) for (const t of stateTensors(x as Params)) keep.add(t);
  for (const t of stateTensors(returned)) if (!keep.has(t) && !t.disposed) t.dispose();
}
