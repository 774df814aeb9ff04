import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import type { Mask } from '../mask.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import type { ScalarOrSchedule } from '../types.js';
import { SCALE_BY_SOPHIA_DEFAULTS, scaleBySophia, type ScaleBySophiaOptions } from './scale-by-sophia.js';

/** Options of {@link sophia}. */
export interface SophiaOptions extends ScaleBySophiaOptions {
  /** Decoupled weight decay λ, multiplied by the learning rate (default 0.1, the authors'). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Which parameters decay: a predicate on the dotted name or a tree of booleans (default all). */
  readonly mask?: Mask;
}

/**
 * Sophia: momentum preconditioned by a moving average of Hessian-diagonal estimates, clipped
 * elementwise (Liu et al. 2024).
 *
 * ```text
 * m ← b1·m + (1 − b1)·g
 * every k steps (t = 0, k, 2k, ...):  h ← b2·h + (1 − b2)·ĥ,   ĥ = hessianEstimate(θ, t)
 * θ ← θ − η·clip(m / max(γ·h, ε), −1, 1) − η·λ·θ
 * ```
 *
 * The estimate is an input: `@downhill/optimizers` computes no derivatives, so `hessianEstimate`
 * is called with the current parameters on the steps that need one, and the loop computes it
 * (Hutchinson's `z ⊙ Hz` with `@downhill/autograd`'s `hvp`, which makes SophiaH, or the
 * Gauss-Newton-Bartlett `B·ĝ²` of SophiaG; `examples/curvature` shows Hutchinson's).
 *
 * Conventions, against the authors' code (Liuhong99/Sophia, `sophia.py`, `SophiaG`):
 * - the denominator is the paper's `max(γ·h, ε)`; the code's is `rho·bs·h + 1e-15` with `bs = 5120`
 *   (tokens per batch): pass `gamma: rho * bs` (0.04 · 5120) for the code's scale; the option is named after the paper's γ. The two agree (to ε) where
 *   `h ≥ 0`; for a negative Hutchinson estimate the paper's floor keeps the step along `−m`.
 * - the estimate is requested before the update of steps 0, k, 2k, ... (the paper's Algorithm 3,
 *   "t mod k = 1" counting from 1); the authors' training loop refreshes `h` after the update of
 *   steps k−1, 2k−1, ..., so their first k − 1 steps run with `h = 0` (sign descent).
 * - weight decay is decoupled and multiplied by the learning rate, as the code's
 *   `θ ← θ·(1 − η·λ)` (PyTorch's AdamW convention); it is applied to the same θ the step uses, so
 *   the order does not matter.
 * - there is no bias correction, as in the paper and the code. optax has no Sophia.
 *
 * Elementwise: the whole step runs as one update program per parameter where the backend
 * compiles programs (backend-cpu, backend-webgpu).
 *
 * @param lr - The learning rate η, or a schedule (the authors use 1e-4 to 6e-4 for GPT-2 with weight decay 0.1–0.2).
 * @param options - See {@link SophiaOptions}; `hessianEstimate` is required.
 * @returns An injectable transformation (`lr`, `b1`, `b2`, `gamma`, `eps`, `weightDecay` readable and settable).
 * @throws MissingHessianEstimateError without `hessianEstimate`, or when it returns nothing on a step that needs one.
 *
 * @example
 * ```ts
 * // A quadratic ½·Σ cᵢ·θᵢ² has Hessian diagonal c: an exact estimate.
 * const c = backend.tensor([1, 10], [2]);
 * const tx = sophia(0.1, { hessianEstimate: () => ({ w: backend.mul(c, 1) }), weightDecay: 0 });
 * let params = { w: backend.tensor([1, 1], [2]) };
 * let state = tx.init(params);
 * const grads = { w: backend.mul(params.w, c) };
 * ({ params, state } = step(tx, params, grads, state));
 * ```
 *
 * Liu, Li, Hall, Liang and Ma, 2024, "Sophia: A Scalable Stochastic Second-order Optimizer for
 * Language Model Pre-training", ICLR (https://arxiv.org/abs/2305.14342).
 */
export function sophia(lr: ScalarOrSchedule, options: SophiaOptions = {}): InjectedTransformation {
  const {
    b1 = SCALE_BY_SOPHIA_DEFAULTS.b1,
    b2 = SCALE_BY_SOPHIA_DEFAULTS.b2,
    gamma = SCALE_BY_SOPHIA_DEFAULTS.gamma,
    eps = SCALE_BY_SOPHIA_DEFAULTS.eps,
    updateEvery = SCALE_BY_SOPHIA_DEFAULTS.updateEvery,
    hessianEstimate,
    weightDecay = 0.1,
    mask,
  } = checkOptions('sophia', options, {
    b1: true,
    b2: true,
    gamma: true,
    eps: true,
    updateEvery: true,
    hessianEstimate: true,
    weightDecay: true,
    mask: true,
  });
  // Checked now, so a missing estimate fails when the optimizer is made, not at its first step.
  scaleBySophia({ b1, b2, gamma, eps, updateEvery, hessianEstimate });
  return withHyperparams('sophia', { lr, b1, b2, gamma, eps, weightDecay }, (h) =>
    chain(
      scaleBySophia({ b1: h.b1, b2: h.b2, gamma: h.gamma, eps: h.eps, updateEvery, hessianEstimate }),
      addDecayedWeights(h.weightDecay, { mask }),
      scaleByLearningRate(h.lr),
    ),
  );
}
