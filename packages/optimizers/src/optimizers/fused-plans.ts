import { maskSelects, type Mask } from '../mask.js';
import type { FusedPlan } from '../fused-plan.js';
import type { ScaleByAdamState } from '../transforms/scale-by-adam.js';
import type { ScaleByRmsState } from '../transforms/scale-by-rms.js';
import type { TraceState } from '../transforms/trace-momentum.js';
import type { GradientTransformation, OptState, Params } from '../types.js';

/**
 * The fused plans of the named optimizers. Each reads the layout of its optimizer's `chain`
 * state (an array, one entry per component) and returns `undefined` when the state does not have
 * that layout, so that the composed path runs and reports the problem.
 */

type ChainState = OptState[];

function isChainState(s: unknown, length: number): s is ChainState {
  return Array.isArray(s) && s.length === length;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** `tx` with a fused plan attached. */
export function withFused<S extends OptState>(tx: GradientTransformation<S>, fused: (state: S) => FusedPlan<S> | undefined): GradientTransformation<S> {
  return { init: tx.init, update: tx.update, name: tx.name, fused };
}

function replaceAt(state: ChainState, index: number, value: OptState): ChainState {
  const next = [...state];
  next[index] = value;
  return next;
}

/** Adam (and AdamW) over `chain(scaleByAdam, [addDecayedWeights], scaleByLearningRate)`. */
export function adamPlan(
  h: Readonly<Record<string, number>>,
  length: number,
  weightDecay: number,
  mask: Mask | undefined,
  where: string,
): (state: ChainState) => FusedPlan<ChainState> | undefined {
  return (state) => {
    if (!isChainState(state, length)) return undefined;
    const s = state[0] as ScaleByAdamState;
    if (!isRecord(s) || typeof s.count !== 'number' || !isRecord(s.mu) || !isRecord(s.nu)) return undefined;
    return {
      kind: 'adam',
      slots: [s.mu, s.nu],
      hyper: (name, p) => ({
        lr: h.lr,
        b1: h.b1,
        b2: h.b2,
        eps: h.eps,
        epsRoot: h.epsRoot,
        weightDecay: weightDecay !== 0 && maskSelects(mask, name, p, where) ? weightDecay : 0,
        step: s.count + 1,
      }),
      next: ([mu, nu]) => replaceAt(state, 0, { count: s.count + 1, mu, nu }),
    };
  };
}

/** SGD over `chain(addDecayedWeights, [traceMomentum], scaleByLearningRate)`. */
export function sgdPlan(h: Readonly<Record<string, number>>, hasMomentum: boolean, nesterov: boolean): (state: ChainState) => FusedPlan<ChainState> | undefined {
  return (state) => {
    if (!isChainState(state, hasMomentum ? 3 : 2)) return undefined;
    const hyper = { lr: h.lr, momentum: hasMomentum ? h.momentum : 0, dampening: hasMomentum ? h.dampening : 0, nesterov: nesterov ? 1 : 0, weightDecay: h.weightDecay };
    if (!hasMomentum) return { kind: 'sgd', slots: [], hyper: () => hyper, next: () => state };
    // With momentum set to 0 mid-training the kernel keeps no buffer; the composed path keeps it.
    if (hyper.momentum === 0) return undefined;
    const s = state[1] as TraceState;
    if (!isRecord(s) || !isRecord(s.trace)) return undefined;
    return { kind: 'sgd', slots: [s.trace], hyper: () => hyper, next: ([trace]) => replaceAt(state, 1, { trace }) };
  };
}

/** RMSProp over `chain(scaleByRms, [traceMomentum], scaleByLearningRate)`. */
export function rmspropPlan(
  h: Readonly<Record<string, number>>,
  hasMomentum: boolean,
  centered: boolean,
  epsInSqrt: boolean,
): (state: ChainState) => FusedPlan<ChainState> | undefined {
  return (state) => {
    if (!isChainState(state, hasMomentum ? 3 : 2)) return undefined;
    const momentum = hasMomentum ? h.momentum : 0;
    if (hasMomentum && momentum === 0) return undefined;
    const rms = state[0] as ScaleByRmsState;
    const trace = hasMomentum ? (state[1] as TraceState) : undefined;
    if (!isRecord(rms) || !isRecord(rms.nu) || (centered && !isRecord(rms.mu)) || (trace && !isRecord(trace.trace))) return undefined;
    const slots: Params[] = [rms.nu];
    if (centered) slots.push(rms.mu!);
    if (trace) slots.push(trace.trace);
    const hyper = { lr: h.lr, decay: h.decay, eps: h.eps, epsInSqrt: epsInSqrt ? 1 : 0, centered: centered ? 1 : 0, momentum };
    return {
      kind: 'rmsprop',
      slots,
      hyper: () => hyper,
      next: (out) => {
        let k = 0;
        const nu = out[k++];
        const mu = centered ? out[k++] : undefined;
        let next = replaceAt(state, 0, centered ? { nu, mu: mu! } : { nu });
        if (hasMomentum) next = replaceAt(next, 1, { trace: out[k] });
        return next;
      },
    };
  };
}
