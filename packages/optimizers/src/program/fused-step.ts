import { Tensor, type Backend, type ElementwiseProgram, type ProgramGroup } from '@downhill/backend';
import { applyUpdates } from '../apply-updates.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { buildProgram, type BuiltProgram } from './build-program.js';
import { forEachTensorWith, mapTensors } from './map-tensors.js';
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
  let programs: FusedStepResult<S>['programs'] = [];
  const result = backend.scope(() => {
    const tracer = new TracingBackend(backend);
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
    const collect = (tree: unknown, old: unknown): void => {
      forEachTensorWith(tree, old, (t, before) => {
        if (t.backend !== tracer) {
          kept.add(t);
          return;
        }
        const node = tracer.node(t);
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
    programs = runOutputs(backend, tracer, outputs, inPlace ? kept : undefined);

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
): FusedStepResult<OptState>['programs'] {
  // Components were joined while tracing (TraceNode.comp): one per parameter, normally.
  const components = new Map<number, Output[]>();
  for (const o of outputs) {
    const r = tracer.find(o.node.comp);
    const list = components.get(r);
    if (list) list.push(o);
    else components.set(r, [o]);
  }

  // One call per structure (and in-place layout).
  type Call = { built: BuiltProgram; inPlace: (number | undefined)[] | undefined; groups: { built: BuiltProgram; outs: Output[] }[] };
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
  return ran;
}
