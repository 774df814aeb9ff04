import { Tensor, type Backend } from '@downhill/backend';
import type { GradientTransformation, HostStepContext, OptState, Params } from '../types.js';
import { ARRAY, RECORD, TENSOR, kindOf, replaceTensors } from './map-tensors.js';
import { countSteady, latestEntry, leavesMatch, resolveId, runCalls, type ReplayResult, type StepEntry } from './step-cache.js';

/**
 * The steady step: a replayed step of a transformation that declares its host side
 * (`GradientTransformation.hostStep`) skips `update` altogether. Its numbers come from
 * `hostStep`, the recorded programs run at once, and the results go where the recorded step put
 * them; nothing is traced, wrapped or checked op by op.
 *
 * Trust is earned per recorded step: after a traced or checked replay, the declaration is compared
 * with what `update` did (every number, bit for bit and in order; the next state's layout and
 * numbers), and a step goes steady only after two such agreements in a row with the same parts (the
 * objects that fix the ops: an inner transformation rebuilt for new hyperparameters) and the same
 * layout of the trees (every key, array length and tensor place of the parameters, gradients and
 * state). Anything else, a new part, a renamed key, a reshaped leaf, another dtype, takes the
 * checked replay (which traces again where the calls differ) and is compared anew.
 */

/** How far the declaration of a transformation was checked against one recorded step. @internal */
export interface SteadyCheck {
  /** The parts `hostStep` named (compared by identity). */
  readonly parts: readonly object[];
  /** The trees' layout (see {@link Layout}). */
  readonly layout: readonly unknown[];
  /** For each parameter leaf, the handle id of its new value. */
  readonly paramOut: readonly number[];
  /** Agreements in a row. */
  checks: number;
}

/** Agreements in a row before a recorded step replays steadily. */
const CHECKS = 2;

// Layout tokens (keys are strings, array lengths numbers ≥ 0).
const END = -1;
const TENSOR_TOKEN = -2;
const VALUE = -3;
const ARRAY_TOKEN = -4;
const OTHER_TOKEN = -5;

function isPlainRecord(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * The layout of trees, walked as `mapTensors` walks them (so the leaves come in the step cache's
 * leaf order): every record's keys in order, every array's length, where the tensors are. Records
 * the tokens, or compares them with `expected`.
 */
class Layout {
  readonly tokens: unknown[] = [];
  readonly leaves: Tensor[] = [];
  at = 0;
  ok = true;

  constructor(readonly expected?: readonly unknown[]) {}

  private token(x: unknown): void {
    if (this.expected === undefined) this.tokens.push(x);
    else if (this.expected[this.at++] !== x) this.ok = false;
  }

  walk(v: unknown): void {
    if (!this.ok) return;
    const kind = kindOf(v);
    if (kind === TENSOR) {
      this.leaves.push(v as Tensor);
      this.token(TENSOR_TOKEN);
    } else if (kind === ARRAY) {
      const arr = v as unknown[];
      this.token(ARRAY_TOKEN);
      this.token(arr.length);
      for (let i = 0; i < arr.length; i++) this.walk(arr[i]);
    } else if (kind === RECORD) {
      const rec = v as Record<string, unknown>;
      for (const k in rec) {
        if (!Object.hasOwn(rec, k)) continue;
        this.token(k);
        this.walk(rec[k]);
      }
      this.token(END);
    } else this.token(v !== null && typeof v === 'object' ? OTHER_TOKEN : VALUE);
  }
}

/** `tx.hostStep`, or `undefined` where it cannot tell or throws (`update` then says what is wrong). */
function declared<S extends OptState>(tx: GradientTransformation<S>, state: S, context: HostStepContext): S | undefined {
  try {
    return tx.hostStep?.(state, context);
  } catch {
    return undefined;
  }
}

function sameParts(a: readonly object[], b: readonly object[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether the declared next state has the layout of the one `update` returned, with the same
 * numbers and other values (tensors: a tensor at each tensor's place).
 */
function sameState(declared: unknown, actual: unknown): boolean {
  if (actual instanceof Tensor) return declared instanceof Tensor;
  if (actual === null || typeof actual !== 'object') return Object.is(declared, actual);
  if (declared === null || typeof declared !== 'object' || declared instanceof Tensor) return false;
  if (Array.isArray(actual)) {
    if (!Array.isArray(declared) || declared.length !== actual.length) return false;
    for (let i = 0; i < actual.length; i++) if (!sameState(declared[i], actual[i])) return false;
    return true;
  }
  if (!isPlainRecord(actual)) return declared === actual;
  if (Array.isArray(declared) || !isPlainRecord(declared)) return false;
  const ka = Object.keys(actual);
  const kd = Object.keys(declared);
  if (ka.length !== kd.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kd[i]) return false;
    if (!sameState((declared as Record<string, unknown>)[kd[i]], (actual as Record<string, unknown>)[ka[i]])) return false;
  }
  return true;
}

/** For each parameter leaf `k < P`, the handle id of its new value, from the results' layout; `undefined` unless each has exactly one. */
function paramOutputs(signature: readonly number[], P: number): number[] | undefined {
  if (signature.length < 2 * P) return undefined;
  const out = new Array<number>(P).fill(-1);
  for (let j = 0; j < P; j++) {
    const id = signature[2 * j];
    const was = signature[2 * j + 1];
    if (was < 0 || was >= P || out[was] !== -1) return undefined;
    out[was] = id;
  }
  return out;
}

/**
 * After a traced or checked step of `entry` (whose `update` passed `literals` and returned
 * `next`): compares `tx`'s declared host side with it, and counts an agreement or forgets the
 * earlier ones. Does nothing for a transformation that declares none.
 *
 * @internal
 */
export function checkDeclaration<S extends OptState>(
  entry: StepEntry,
  tx: GradientTransformation<S>,
  params: Params,
  grads: Params,
  state: S,
  literals: readonly number[],
  next: unknown,
): void {
  if (tx.hostStep === undefined) return;
  const layout = new Layout();
  layout.walk(params);
  const P = layout.leaves.length;
  layout.walk(grads);
  layout.walk(state);
  const context: HostStepContext = { leaves: P, literals: [], parts: [] };
  const host = declared(tx, state, context);
  const paramOut = paramOutputs(entry.signature, P);
  let agrees = host !== undefined && paramOut !== undefined && context.literals.length === literals.length && sameState(host, next);
  for (let i = 0; agrees && i < literals.length; i++) agrees = Object.is(context.literals[i], literals[i]);
  if (!agrees) {
    entry.steady = undefined;
    return;
  }
  const s = entry.steady;
  if (s !== undefined && sameParts(s.parts, context.parts) && sameLayout(s.layout, layout.tokens)) s.checks++;
  else entry.steady = { parts: context.parts, layout: layout.tokens, paramOut: paramOut!, checks: 1 };
}

function sameLayout(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Walks the tensors of a declared next state with the results' layout from `j` on (pairs of
 * handle id and the leaf id of the old tensor at the place): each must be that old tensor. The
 * position past the last, or −1 at the first that is not.
 */
function oldAtPlaces(value: unknown, sig: readonly number[], leaves: readonly Tensor[], j: number): number {
  if (j < 0) return j;
  const kind = kindOf(value);
  if (kind === TENSOR) {
    const was = j < sig.length ? sig[j + 1] : -1;
    return was >= 0 && leaves[was] === value ? j + 2 : -1;
  }
  if (kind === ARRAY) {
    for (const v of value as unknown[]) j = oldAtPlaces(v, sig, leaves, j);
  } else if (kind === RECORD) {
    const rec = value as Record<string, unknown>;
    for (const k in rec) if (Object.hasOwn(rec, k)) j = oldAtPlaces(rec[k], sig, leaves, j);
  }
  return j;
}

/**
 * The steady step of `tx` on these trees, or `undefined` (nothing run) where the latest recorded
 * step is not steady for them: its declaration not yet checked twice, another layout, other
 * shapes, dtypes or aliasing, other parts, another count of numbers, or a declared next state
 * whose tensors are not the old ones at the recorded places.
 *
 * @internal
 */
export function steadyStep<S extends OptState>(
  backend: Backend,
  tx: GradientTransformation<S>,
  params: Params,
  grads: Params,
  state: S,
  inPlace: boolean,
): ReplayResult<S> | undefined {
  if (tx.hostStep === undefined) return undefined;
  const entry = latestEntry(tx as GradientTransformation<never>);
  const check = entry?.steady;
  if (entry === undefined || check === undefined || check.checks < CHECKS || entry.backend !== backend || entry.inPlace !== inPlace)
    return undefined;
  const layout = new Layout(check.layout);
  layout.walk(params);
  const P = layout.leaves.length;
  layout.walk(grads);
  layout.walk(state);
  if (!layout.ok || layout.at !== check.layout.length) return undefined;
  const leaves = layout.leaves;
  const first = new Map<Tensor, number>();
  for (let k = 0; k < leaves.length; k++) if (!first.has(leaves[k])) first.set(leaves[k], k);
  if (!leavesMatch(entry, leaves, first)) return undefined;

  const context: HostStepContext = { leaves: P, literals: [], parts: [] };
  const next = declared(tx, state, context);
  if (next === undefined || context.literals.length !== entry.literals || !sameParts(context.parts, check.parts)) return undefined;
  // The declared state's tensors must be the old ones at the places the recorded results take.
  const sig = entry.signature;
  if (oldAtPlaces(next, sig, leaves, 2 * P) !== sig.length) return undefined;

  const results = runCalls(entry, backend, leaves, context.literals);
  countSteady();
  const outputs = entry.outputs;
  const paramOut = check.paramOut;
  const pos = { k: 0, j: 2 * P };
  const newParams = replaceTensors(params, () => resolveId(paramOut[pos.k++], leaves, outputs, results));
  const newState = replaceTensors(next, () => {
    const id = sig[pos.j];
    pos.j += 2;
    return resolveId(id, leaves, outputs, results);
  });
  return { params: newParams, state: newState, programs: entry.programs };
}
