import { checkOptions, UnknownOptionError } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { maskSelects, type Mask } from '../mask.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { scaleByAdam } from '../transforms/scale-by-adam.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { SCALE_BY_MUON_DEFAULTS, scaleByMuon, type ScaleByMuonOptions } from '../transforms/scale-by-muon.js';
import type { ScalarOrSchedule } from '../types.js';
import { multiTransform } from '../wrappers/multi-transform.js';

/** Options of {@link muon}. */
export interface MuonOptions extends Omit<ScaleByMuonOptions, 'neuronB2'> {
  /** Decoupled weight decay of the Muon parameters, `p ← p − η·λ·p` (default 0). */
  readonly weightDecay?: ScalarOrSchedule;
  /**
   * Which parameters Muon updates: a predicate on the dotted name (and tensor), a glob or a tree
   * of booleans. Default: every parameter of rank ≥ 2. Parameters it leaves out, and any of rank
   * < 2, get the Adam fallback.
   */
  readonly muonParams?: Mask;
  /** Learning rate of the Adam fallback (default: `lr`, one rate as optax's contrib `muon`). */
  readonly adamLr?: ScalarOrSchedule;
  /** `b1` of the Adam fallback (default 0.9). */
  readonly adamB1?: ScalarOrSchedule;
  /** `b2` of the Adam fallback (default 0.95, as the reference `MuonWithAuxAdam`). */
  readonly adamB2?: ScalarOrSchedule;
  /** `eps` of the Adam fallback (default 1e-10, as the reference `MuonWithAuxAdam`). */
  readonly adamEps?: ScalarOrSchedule;
  /** Decoupled weight decay of the Adam fallback (default 0). */
  readonly adamWeightDecay?: ScalarOrSchedule;
}

/**
 * Muon (Jordan et al. 2024): momentum SGD whose update of each weight matrix is orthogonalized by
 * a Newton–Schulz iteration, with an Adam fallback for the parameters that are not matrices.
 *
 * ```text
 * matrices (rank ≥ 2, or muonParams):
 *   m ← β·m + (1 − β)·g,   o = NS((1 − β)·g + β·m),   p ← p − η·( o·s + λ·p )
 *   s = √max(1, fanOut/fanIn)  (scaling 'jordan', the default)  or  0.2·√max(fanIn, fanOut)  ('moonshot')
 * the others (biases, gains, scalars):
 *   Adam with (adamB1, adamB2, adamEps), p ← p − η_adam·( m̂ / (√v̂ + ε) + λ_adam·p )
 * ```
 *
 * What runs unfused: the Newton–Schulz iteration (five pairs of matrix products through the
 * backend's `matmul`, and a Frobenius norm) runs as separate calls; the momentum, the shape
 * scaling, the decay and the parameter update are update programs, and the whole Adam fallback is
 * one program per parameter.
 *
 * Conventions: Muon as the authors' `Muon`/`MuonWithAuxAdam` (momentum 0.95, Nesterov, 5 quintic
 * iterations with (3.4445, −4.775, 2.0315), scale √max(1, fanOut/fanIn), decay `p·(1 − η·λ)`), but
 * the iteration runs in the parameters' dtype, not bfloat16; the fan-out is the last axis by
 * default (`layout: 'in-out'`, downhill's kernels; the reference's PyTorch weights are `[out, in]`:
 * pass `layout: 'out-in'` for those); the norm's ε is 1e-7 as there
 * (optax's contrib `muon` uses 1e-8). The split between Muon and Adam is made here by shape (or
 * `muonParams`) rather than by the user's parameter groups; like optax, the Adam fallback shares
 * `lr` unless `adamLr` is given (the authors use separate rates, 0.02 and 3e-4 by default). The
 * Adam fallback's betas and ε are those of `MuonWithAuxAdam` (0.9, 0.95, 1e-10); optax's are
 * Adam's (0.9, 0.999, 1e-8). PyTorch 2.9's `torch.optim.Muon` takes matrices only; its
 * `adjust_lr_fn` chooses between the same two shape scalings as `scaling` here: `"original"`
 * (`'jordan'`, the default of both) and `"match_rms_adamw"` (`'moonshot'`, `0.2·√max(rows, cols)`,
 * Liu et al. 2025, with which AdamW's learning rate and weight decay carry over, e.g.
 * `muon(1e-3, { scaling: 'moonshot' })`). Keras has none. Embedding and output layers are
 * matrices too: pass `muonParams` to give them to Adam, as the authors advise.
 *
 * @param lr - Learning rate `η` of the Muon parameters (and of the Adam fallback unless `adamLr`), or a schedule.
 * @param options - See {@link MuonOptions}.
 * @returns The optimizer; its state holds `hyperparams` and the two groups' states `{ muon, adam }`.
 *
 * @example
 * ```ts
 * const tx = muon(0.02, { adamLr: 3e-4, muonParams: (name, p) => p.shape.length >= 2 && !name.startsWith('head') });
 * ```
 *
 * Jordan, Jin, Boza, You, Cesista, Newhouse and Bernstein, 2024, "Muon: An optimizer for hidden
 * layers in neural networks" (https://kellerjordan.github.io/posts/muon/); reference code
 * KellerJordan/Muon, `muon.py`.
 */
export function muon(lr: ScalarOrSchedule, options: MuonOptions = {}): InjectedTransformation {
  return muonFamily('muon', lr, options);
}

/**
 * Muon and its variants: one builder, so NorMuon is Muon with one more hyperparameter (`b2`,
 * the decay of the per-neuron second moment) and shares everything else.
 *
 * @param where - The optimizer's name, for messages and its hyperparameters.
 * @param lr - Learning rate of the Muon parameters.
 * @param options - Muon's options, plus NorMuon's `b2` where `where` is `'normuon'`.
 * @returns The optimizer.
 * @internal
 */
export function muonFamily(
  where: 'muon' | 'normuon',
  lr: ScalarOrSchedule,
  options: MuonOptions & { readonly b2?: ScalarOrSchedule },
): InjectedTransformation {
  const normuon = where === 'normuon';
  const {
    momentum = SCALE_BY_MUON_DEFAULTS.momentum,
    nesterov = SCALE_BY_MUON_DEFAULTS.nesterov,
    nsSteps = SCALE_BY_MUON_DEFAULTS.nsSteps,
    nsCoeffs,
    eps = SCALE_BY_MUON_DEFAULTS.eps,
    weightDecay = 0,
    muonParams,
    adamLr = lr,
    adamB1 = 0.9,
    adamB2 = 0.95,
    adamEps = 1e-10,
    adamWeightDecay = 0,
    layout = SCALE_BY_MUON_DEFAULTS.layout,
    scaling = SCALE_BY_MUON_DEFAULTS.scaling,
    b2 = 0.95,
  } = checkOptions(where, normuon ? options : rejectKey(where, options, 'b2'), {
    b2: true,
    momentum: true,
    nesterov: true,
    nsSteps: true,
    nsCoeffs: true,
    eps: true,
    weightDecay: true,
    muonParams: true,
    adamLr: true,
    adamB1: true,
    adamB2: true,
    adamEps: true,
    adamWeightDecay: true,
    layout: true,
    scaling: true,
  });
  // Checked here, not when the first update builds the transformation: a bad option fails the call that gave it.
  scaleByMuon({ layout, scaling });
  const hyper = { lr, momentum, weightDecay, adamLr, adamB1, adamB2, adamEps, adamWeightDecay, ...(normuon ? { b2 } : {}) };
  return withHyperparams(where, hyper, (h) =>
    multiTransform(
      {
        muon: chain(
          scaleByMuon({
            momentum: h.momentum,
            nesterov,
            nsSteps,
            eps,
            layout,
            scaling,
            ...(nsCoeffs ? { nsCoeffs } : {}),
            ...(normuon ? { neuronB2: h.b2 } : {}),
          }),
          addDecayedWeights(h.weightDecay),
          scaleByLearningRate(h.lr),
        ),
        adam: chain(
          scaleByAdam({ b1: h.adamB1, b2: h.adamB2, eps: h.adamEps }),
          addDecayedWeights(h.adamWeightDecay),
          scaleByLearningRate(h.adamLr),
        ),
      },
      (name, p) => (p.shape.length >= 2 && (muonParams === undefined || maskSelects(muonParams, name, p, where)) ? 'muon' : 'adam'),
    ),
  );
}

/** `options` itself, after refusing `key` (an option of a sibling optimizer: NorMuon's `b2` given to Muon). */
function rejectKey<T extends object>(where: string, options: T, key: string): T {
  if (options && typeof options === 'object' && Object.hasOwn(options, key))
    throw new UnknownOptionError(`${where}: unknown option '${key}' (an option of normuon)`, key, [], undefined);
  return options;
}
