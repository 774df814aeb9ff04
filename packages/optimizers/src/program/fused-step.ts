import { Tensor, type Backend, type ElementwiseProgram, type ProgramGroup } from '@downhill/backend';
import { applyUpdates } from '../apply-updates.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { buildProgram, type BuiltProgram } from './build-program.js';
import { forEachTensorWith, mapTensors } from './map-tensors.js';
import { checkDeclaration, steadyStep } from './steady-step.js';
import { countTrace, remember, replayStep, type StepEntry } from './step-cache.js';
import { TapeRecorder } from './step-tape.js';
import type { TraceNode } from './trace-node.js';
import { TracingBackend } from './tracing-backend.js';

/** One value of the traced result that a program computes. */
interface Output {
  readonly node: TraceNode;
  /** The old tensor at the same place (the parameter, or the state slot), which it may overwrite. */
  readonly target: Tensor | undefined;
  real?: Tensor;
}

/** What {@link runFusedStep} returns: the new parameters and state, and the programs it ran. */
export interface FusedStepResult<S extends OptState> {
  readonly params: Params;
  readonly state: S;
  /** The programs run for the final values, one per distinct structure, with their group counts. */
  readonly programs: readonly { readonly program: ElementwiseProgram; readonly groups: number }[];
}

/**
 * One optimizer step as update programs: traces `tx.update` (and `applyUpdates`) with a
 * {@link TracingBackend}, so every elementwise op on the step's tensors is recorded, then runs
 * the recorded math with `backend.runProgram`: one call per program structure over all the
 * parameters that share it (a plain `adam` is one call for the whole model), writing new
 * parameters and state slots into the old ones' storage when `inPlace`.
 *
 * Runs inside a real scope: the tensors made while tracing (reductions, materialized
 * intermediates) are released at the end; the result's tensors are kept.
 *
 * The step cache: a step whose math is all recorded elementwise ops on the step's tensors is kept
 * (per transformation, per layout of the trees). The next step with the same layout replays it
 * (see `replayStep`): the closures run against a backend that only checks each call against the
 * tape and collects the numbers, and the recorded programs run with the new tensors and numbers.
 * No graph, no program key, no compile lookup; anything different is traced afresh. Where the
 * transformation declares its host side (`hostStep`) and the declaration has agreed with `update`
 * on the recorded step, a replay skips `update` too (see `steadyStep`).
 *
 * @internal
 */
export function runFusedStep<S extends OptState>(
  backend: Backend,
  tx: GradientTransformation<S>,
  params: Params,
  grads: Params,
  state: S,
  inPlace: boolean,
): FusedStepResult<S> {
  const replayed = steadyStep(backend, tx, params, grads, state, inPlace) ?? replayStep(backend, tx, params, grads, state, inPlace);
  if (replayed) return replayed;
  countTrace();
  let programs: FusedStepResult<S>['programs'] = [];
  const tape = new TapeRecorder();
  const result = backend.scope(() => {
    const tracer = new TracingBackend(backend, tape);
    // The traced copies of the caller's containers, so containers passed through come back as the very same objects.
    const origins = new Map<object, object>();
    const traced = <T>(v: T): T => mapTensors(v, (t) => tracer.input(t), { made: origins });
    const tParams = traced(params);
    const [tUpdates, tNext] = tx.update(traced(grads), traced(state), tParams);
    const tNewParams = applyUpdates(tParams, tUpdates);

    // The values of the result: real tensors as they are, recorded ops as program outputs.
    const outputs: Output[] = [];
    const byNode = new Map<TraceNode, Output>();
    const kept = new Set<Tensor>();
    // the results' layout for the step cache: handle id and the leaf id of the old tensor at its place
    const first = new Map<Tensor, number>();
    tape.leaves.forEach((t, k) => {
      if (!first.has(t)) first.set(t, k);
    });
    const signature: number[] = [];
    const collect = (tree: unknown, old: unknown): void => {
      forEachTensorWith(tree, old, (t, before) => {
        if (t.backend !== tracer) {
          tape.replayable = false;
          kept.add(t);
          return;
        }
        const node = tracer.node(t);
        signature.push(tape.ids.get(node) ?? -2, before instanceof Tensor ? (first.get(before) ?? -1) : -1);
        if (node.kind === 'leaf') kept.add(node.tensor);
        else if (node.kind === 'scalar' || node.kind === 'compare' || node.real) kept.add(tracer.materialize(node));
        else if (!byNode.has(node)) {
          const out: Output = { node, target: before instanceof Tensor ? before : undefined };
          byNode.set(node, out);
          outputs.push(out);
        }
      });
    };
    collect(tNewParams, params);
    collect(tNext, state);
    const ran = runOutputs(backend, tracer, outputs, inPlace ? kept : undefined);
    programs = ran.programs;
    if (tape.replayable) {
      const entry = record(backend, inPlace, tape, first, signature, ran.calls, programs);
      if (entry) {
        checkDeclaration(
          entry,
          tx,
          params,
          grads,
          state,
          tape.literals.map((n) => (n as { value: number }).value),
          tNext,
        );
        remember(tx as GradientTransformation<never>, entry);
      }
    }

    const resolve = <T>(tree: T): T =>
      mapTensors(
        tree,
        (t) => {
          if (t.backend !== tracer) return t;
          const node = tracer.node(t);
          if (node.kind === 'leaf') return node.tensor;
          return byNode.get(node)?.real ?? tracer.materialize(node);
        },
        { origins },
      );
    return { params: resolve(tNewParams), state: resolve(tNext) };
  });
  return { ...result, programs };
}

export { stepCacheStats } from './step-cache.js';

/**
 * Splits the outputs into independent components (outputs sharing a leaf or a node belong
 * together: one parameter's new value and new slots), builds one program per component, and runs
 * every component of one structure in one `runProgram` call.
 */
function runOutputs(
  backend: Backend,
  tracer: TracingBackend,
  outputs: readonly Output[],
  inPlaceExcept: ReadonlySet<Tensor> | undefined,
): { programs: FusedStepResult<OptState>['programs']; calls: readonly Call[] } {
  // Components were joined while tracing (TraceNode.comp): one per parameter, normally.
  const components = new Map<number, Output[]>();
  for (const o of outputs) {
    const r = tracer.find(o.node.comp);
    const list = components.get(r);
    if (list) list.push(o);
    else components.set(r, [o]);
  }

  // One call per structure (and in-place layout).
  const calls = new Map<ElementwiseProgram, Map<string, Call>>();
  const ordered: Call[] = [];
  for (const outs of components.values()) {
    const built = buildProgram(outs.map((o) => o.node));
    let inPlace: (number | undefined)[] | undefined;
    if (inPlaceExcept) {
      const taken = new Set<number>();
      inPlace = outs.map((o) => {
        if (!o.target || inPlaceExcept.has(o.target)) return undefined;
        const ix = built.inputIndex(o.target);
        if (ix === undefined || taken.has(ix)) return undefined;
        taken.add(ix);
        return ix;
      });
    }
    const layout = inPlace?.join(',') ?? '';
    let byLayout = calls.get(built.program);
    if (!byLayout) calls.set(built.program, (byLayout = new Map()));
    const call = byLayout.get(layout);
    if (call) call.groups.push({ built, outs });
    else {
      const made: Call = { built, inPlace, groups: [{ built, outs }] };
      byLayout.set(layout, made);
      ordered.push(made);
    }
  }
  const ran: { program: ElementwiseProgram; groups: number }[] = [];
  for (const { built, inPlace, groups } of ordered) {
    const operands: ProgramGroup<Tensor>[] = groups.map((g) => ({ inputs: g.built.inputs, scalars: g.built.scalars }));
    const results = backend.runProgram(built.program, operands, inPlace ? { inPlace } : {});
    groups.forEach((g, gi) => g.outs.forEach((o, k) => (o.real = results[gi][k])));
    ran.push({ program: built.program, groups: groups.length });
  }
  return { programs: ran, calls: ordered };
}

/** One `runProgram` call of a traced step: the program, its in-place layout, and its groups. */
type Call = { built: BuiltProgram; inPlace: (number | undefined)[] | undefined; groups: { built: BuiltProgram; outs: Output[] }[] };

/**
 * The step-cache entry of a traced step, or `undefined` where an operand is not a step input (a
 * tensor made while tracing) or an output has no id.
 */
function record(
  backend: Backend,
  inPlace: boolean,
  tape: TapeRecorder,
  first: ReadonlyMap<Tensor, number>,
  signature: readonly number[],
  calls: readonly Call[],
  programs: StepEntry['programs'],
): StepEntry | undefined {
  if (signature.some((id) => id === -2)) return undefined;
  const literalIndex = new Map<TraceNode, number>();
  tape.literals.forEach((n, i) => literalIndex.set(n, i));
  const consts: number[] = [];
  const outputs = new Map<number, readonly [number, number, number]>();
  const cached = [];
  for (let c = 0; c < calls.length; c++) {
    const call = calls[c];
    const groups = [];
    for (let g = 0; g < call.groups.length; g++) {
      const { built, outs } = call.groups[g];
      const inputs: number[] = [];
      for (const t of built.inputs) {
        const id = first.get(t);
        if (id === undefined) return undefined;
        inputs.push(id);
      }
      const scalars = built.scalarNodes.map((n) => {
        const lit = literalIndex.get(n);
        if (lit !== undefined) return lit;
        consts.push((n as { value: number }).value);
        return -consts.length;
      });
      for (let k = 0; k < outs.length; k++) {
        const id = tape.ids.get(outs[k].node);
        if (id === undefined) return undefined;
        outputs.set(id, [c, g, k]);
      }
      groups.push({ inputs, scalars });
    }
    cached.push({ program: call.built.program, inPlace: call.inPlace, groups });
  }
  const leaves = tape.leaves;
  return {
    backend,
    inPlace,
    leafShapes: leaves.map((t) => t.shape),
    leafDTypes: leaves.map((t) => t.dtype),
    alias: leaves.map((t) => first.get(t)!),
    tape: tape.entries,
    literals: tape.literals.length,
    consts,
    calls: cached,
    outputs,
    signature,
    programs,
  };
}
