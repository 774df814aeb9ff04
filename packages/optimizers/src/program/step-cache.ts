import { Tensor, shapesEqual, type Backend, type DType, type ElementwiseProgram, type ProgramGroup, type Shape } from '@downhill/backend';
import { applyUpdates } from '../apply-updates.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { forEachTensorWith, mapTensors } from './map-tensors.js';
import { REPLAY_MISS, ReplayBackend } from './replay-backend.js';
import { checkDeclaration, type SteadyCheck } from './steady-step.js';
import type { TapeEntry } from './step-tape.js';

/** One cached `runProgram` call: the program, its in-place layout, and where each group's operands come from. @internal */
export interface CachedCall {
  readonly program: ElementwiseProgram;
  readonly inPlace: readonly (number | undefined)[] | undefined;
  readonly groups: readonly {
    /** Leaf id of each input. */
    readonly inputs: readonly number[];
    /** Each scalar: a literal's index (≥ 0), or −1 − k for the constant `consts[k]`. */
    readonly scalars: readonly number[];
  }[];
}

/**
 * A recorded step that can be replayed: what the leaves were (shapes, dtypes, which are the same
 * tensor), the tape of calls, and the programs that ran, with the place of every output. A replay
 * whose leaves, calls and results match reruns the programs with the new step's tensors and
 * numbers, without tracing.
 *
 * @internal
 */
export interface StepEntry {
  readonly backend: Backend;
  readonly inPlace: boolean;
  readonly leafShapes: readonly Shape[];
  readonly leafDTypes: readonly DType[];
  /** For each leaf, the first leaf id holding the same tensor. */
  readonly alias: readonly number[];
  readonly tape: readonly TapeEntry[];
  readonly literals: number;
  readonly consts: readonly number[];
  readonly calls: readonly CachedCall[];
  /** Handle id of each program output → [call, group, output]. */
  readonly outputs: ReadonlyMap<number, readonly [number, number, number]>;
  /** The results' layout: per result tensor (new params, then new state), its handle id and the leaf id of the old tensor at its place (−1: none). */
  readonly signature: readonly number[];
  readonly programs: readonly { readonly program: ElementwiseProgram; readonly groups: number }[];
  /** Where the transformation declares its host side (`hostStep`): how far that declaration was checked against this entry (see `steady-step.ts`). */
  steady?: SteadyCheck;
}

/** The steps recorded per transformation (the latest few layouts). */
const entries = new WeakMap<GradientTransformation<never>, StepEntry[]>();
const ENTRIES_PER_TX = 8;
let traces = 0;
let replays = 0;
let steadies = 0;

/**
 * How many steps were traced and how many replayed since the process started (for tests), and of
 * the replays, how many were steady (the transformation's `hostStep` alone, no `update`). @internal
 */
export function stepCacheStats(): { readonly traces: number; readonly replays: number; readonly steady: number } {
  return { traces, replays, steady: steadies };
}

/** Notes a steady replay (counted for {@link stepCacheStats}). @internal */
export function countSteady(): void {
  replays++;
  steadies++;
}

/** The latest recorded step of `tx` (the one a replay used last), if any. @internal */
export function latestEntry(tx: GradientTransformation<never>): StepEntry | undefined {
  return entries.get(tx)?.[0];
}

/** Notes a traced step (counted for {@link stepCacheStats}). @internal */
export function countTrace(): void {
  traces++;
}

/**
 * Keeps a recorded step for `tx`, the newest first. Several per layout: a transformation whose
 * steps take turns (lookahead's synchronisation every k steps, gradient accumulation's k-th call)
 * replays each kind of step once each has been recorded.
 *
 * @internal
 */
export function remember(tx: GradientTransformation<never>, entry: StepEntry): void {
  const list = entries.get(tx) ?? [];
  list.unshift(entry);
  if (list.length > ENTRIES_PER_TX) list.length = ENTRIES_PER_TX;
  entries.set(tx, list);
}

/** What a replay returns: the new trees and the programs it ran. @internal */
export interface ReplayResult<S extends OptState> {
  readonly params: Params;
  readonly state: S;
  readonly programs: StepEntry['programs'];
}

/**
 * Replays a recorded step of `tx` on these trees when one matches: the closures of `tx.update`
 * run against a {@link ReplayBackend} (which checks every call against the tape and collects the
 * step's numbers), then the recorded programs run with this step's tensors and scalars. Returns
 * `undefined`, having run nothing, when no recorded step matches (a different layout, a different
 * call anywhere, a different result layout); errors of `tx.update` itself propagate.
 *
 * @internal
 */
export function replayStep<S extends OptState>(
  backend: Backend,
  tx: GradientTransformation<S>,
  params: Params,
  grads: Params,
  state: S,
  inPlace: boolean,
): ReplayResult<S> | undefined {
  const list = entries.get(tx as GradientTransformation<never>);
  if (list === undefined) return undefined;
  for (let i = 0; i < list.length; i++) {
    const e = list[i];
    if (e.backend !== backend || e.inPlace !== inPlace) continue;
    const r = attempt(e, backend, tx, params, grads, state);
    if (r === undefined) continue;
    if (i > 0) list.unshift(...list.splice(i, 1)); // the latest kind of step first
    return r;
  }
  return undefined;
}

/** One replay of `entry`, or `undefined` (nothing run) where the leaves, the calls or the results differ. */
function attempt<S extends OptState>(
  entry: StepEntry,
  backend: Backend,
  tx: GradientTransformation<S>,
  params: Params,
  grads: Params,
  state: S,
): ReplayResult<S> | undefined {
  // The leaves, wrapped, and which of them are the same tensor.
  const rb = new ReplayBackend(backend);
  const origins = new Map<object, object>();
  // (callbacks written inline here: no named closure made per step)
  const tParams = mapTensors(params, (t) => rb.input(t), { made: origins });
  const tGrads = mapTensors(grads, (t) => rb.input(t), { made: origins });
  const tState = mapTensors(state, (t) => rb.input(t), { made: origins });
  const leaves = rb.leaves;
  const first = new Map<Tensor, number>();
  for (let k = 0; k < leaves.length; k++) if (!first.has(leaves[k])) first.set(leaves[k], k);
  if (!leavesMatch(entry, leaves, first)) return undefined;
  rb.tape = entry.tape;
  let tNewParams: Params;
  let tNext: S;
  try {
    const [tUpdates, next] = tx.update(tGrads, tState, tParams);
    tNewParams = applyUpdates(tParams, tUpdates);
    tNext = next;
  } catch (e) {
    if (e === REPLAY_MISS) return undefined;
    throw e;
  }
  if (rb.pos !== entry.tape.length || rb.literals.length !== entry.literals) return undefined;

  // The results must sit where the recorded ones sat.
  const sig = { rb, first, expected: entry.signature, at: 0, ok: true };
  forEachTensorWith(tNewParams, params, (t, before) => checkPlace(sig, t, before));
  forEachTensorWith(tNext, state, (t, before) => checkPlace(sig, t, before));
  if (!sig.ok || sig.at !== sig.expected.length) return undefined;
  checkDeclaration(entry, tx, params, grads, state, rb.literals, tNext);

  // The recorded programs, with this step's operands.
  const results = runCalls(entry, backend, leaves, rb.literals);
  replays++;
  const outputs = entry.outputs;
  const newParams = mapTensors(tNewParams, (t) => resolveHandle(t, leaves, outputs, results), { origins });
  const newState = mapTensors(tNext, (t) => resolveHandle(t, leaves, outputs, results), { origins });
  return { params: newParams, state: newState, programs: entry.programs };
}

/** Runs the recorded programs of `entry` on this step's leaves and numbers: per call, per group, the outputs. @internal */
export function runCalls(entry: StepEntry, backend: Backend, leaves: readonly Tensor[], lits: readonly number[]): Tensor[][][] {
  const consts = entry.consts;
  const results: Tensor[][][] = [];
  for (const call of entry.calls) {
    const groups: ProgramGroup<Tensor>[] = [];
    for (const g of call.groups) {
      const inputs = new Array<Tensor>(g.inputs.length);
      for (let j = 0; j < inputs.length; j++) inputs[j] = leaves[g.inputs[j]];
      const scalars = new Array<number>(g.scalars.length);
      for (let j = 0; j < scalars.length; j++) {
        const s = g.scalars[j];
        scalars[j] = s >= 0 ? lits[s] : consts[-1 - s];
      }
      groups.push({ inputs, scalars });
    }
    results.push(backend.runProgram(call.program, groups, call.inPlace ? { inPlace: call.inPlace } : {}));
  }
  return results;
}

/** Compares one result tensor's place with the recorded layout (see `StepEntry.signature`). */
function checkPlace(
  sig: { rb: ReplayBackend; first: ReadonlyMap<Tensor, number>; expected: readonly number[]; at: number; ok: boolean },
  t: Tensor,
  before: unknown,
): void {
  if (!sig.ok) return;
  const id = t.backend === sig.rb ? (t.storage as number) : -3;
  const was = before instanceof Tensor ? (sig.first.get(before) ?? -1) : -1;
  if (sig.expected[sig.at] !== id || sig.expected[sig.at + 1] !== was) sig.ok = false;
  sig.at += 2;
}

/** The real tensor behind a replay handle: a leaf, or a program output. @internal */
export function resolveHandle(
  t: Tensor,
  leaves: readonly Tensor[],
  outputs: ReadonlyMap<number, readonly [number, number, number]>,
  results: readonly Tensor[][][],
): Tensor {
  return resolveId(t.storage as number, leaves, outputs, results);
}

/** The real tensor behind a handle id: a leaf, or a program output. @internal */
export function resolveId(
  id: number,
  leaves: readonly Tensor[],
  outputs: ReadonlyMap<number, readonly [number, number, number]>,
  results: readonly Tensor[][][],
): Tensor {
  if (id < leaves.length) return leaves[id];
  const [c, g, k] = outputs.get(id)!;
  return results[c][g][k];
}

/** Whether this step's leaves have the recorded shapes, dtypes and aliasing. @internal */
export function leavesMatch(e: StepEntry, leaves: readonly Tensor[], first: ReadonlyMap<Tensor, number>): boolean {
  const n = leaves.length;
  if (e.leafShapes.length !== n) return false;
  for (let k = 0; k < n; k++) {
    const t = leaves[k];
    if (t.dtype !== e.leafDTypes[k] || e.alias[k] !== first.get(t) || !shapesEqual(t.shape, e.leafShapes[k])) return false;
  }
  return true;
}
