import { InvalidArgumentError, checkOptions } from '@downhill/backend';
import { isTraced } from '../program/tracing-backend.js';
import { needParams } from '../transforms/needs-params.js';
import { globalNorm } from '../transforms/clip-by-global-norm.js';
import { mapTrees, stateTensors } from '../tree.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { checkReturnedTree, realTree, releaseReturned, tracedLike } from './callback-trees.js';

/** Options of {@link sam}. */
export interface SamOptions {
  /**
   * The gradient of the loss at a point (the perturbed parameters `θ + ε`, real tensors of the
   * parameters' backend), on the same batch as the gradient given to `update`. Required. The
   * transformation owns the returned tensors and releases them once used.
   */
  readonly gradAt?: (perturbed: Params) => Params;
  /** The radius ρ of the neighbourhood (default 0.05, the authors'). */
  readonly rho?: number;
  /** Adaptive SAM (Kwon et al. 2021): scale the perturbation by |θ| per entry (default false). */
  readonly adaptive?: boolean;
}

/**
 * Sharpness-aware minimization: a wrapper that hands the inner optimizer the gradient at the worst
 * nearby point instead of the gradient at θ (Foret et al. 2021).
 *
 * ```text
 * g = ∇L(θ)                                     (the gradient given to update)
 * ε = ρ·T²·g / (‖T·g‖₂ + 1e-12)                 (T = 1, or diag|θ| with adaptive: true; the norm is global)
 * g_SAM = gradAt(θ + ε)                         (a second forward and backward pass, by the caller)
 * updates, inner' = inner.update(g_SAM, inner, θ)
 * ```
 *
 * Used instead of a plain optimizer where the loop can evaluate the gradient at another point: the
 * `gradAt` callback does the second pass (with `@downhill/autograd`, `valueAndGrad` on the same
 * batch), so `@downhill/optimizers` still computes no derivatives. Not registered by name: it
 * wraps an optimizer, and the callback belongs to the training loop.
 *
 * Conventions, against the authors' code (davda54/sam, `sam.py`, `SAM.first_step`/`second_step`):
 * the same ε (the `1e-12` in the denominator, the global norm over all parameters, `|θ|·g` in the
 * adaptive norm and `θ²·g` in the adaptive perturbation), and the base optimizer stepping from θ
 * with the perturbed gradient. The authors' class takes a closure and runs both passes inside
 * `step`; here the first pass is the caller's (its gradient is `update`'s `grads`) and the second
 * is `gradAt`. optax's `contrib.sam` instead alternates ascent and descent steps of the outer
 * loop (no callback), so one of its steps is half a SAM step here.
 *
 * Runs the inner optimizer as usual (fused where it is elementwise); the perturbation and the
 * callback's gradient are computed before the inner update.
 *
 * @param inner - The base optimizer (the authors use SGD with momentum).
 * @param options - See {@link SamOptions}; `gradAt` is required.
 * @returns A transformation with the inner optimizer's state.
 * @throws InvalidArgumentError without `gradAt`; CallbackResultError when it returns a tree unlike the parameters.
 *
 * @example
 * ```ts
 * const lossGrad = valueAndGrad((p) => loss(p, x, y));   // @downhill/autograd, on the current batch
 * const tx = sam(sgd(0.1, { momentum: 0.9 }), { rho: 0.05, gradAt: (p) => lossGrad(p)[1] });
 * let state = tx.init(params);
 * ({ params, state } = step(tx, params, lossGrad(params)[1], state));
 * ```
 *
 * Foret, Kleiner, Mobahi and Neyshabur, 2021, "Sharpness-Aware Minimization for Efficiently
 * Improving Generalization", ICLR, Algorithm 1 (https://arxiv.org/abs/2010.01412); Kwon et al.,
 * 2021, "ASAM: Adaptive Sharpness-Aware Minimization" (https://arxiv.org/abs/2102.11600).
 */
export function sam<S extends OptState>(inner: GradientTransformation<S>, options: SamOptions = {}): GradientTransformation<S> {
  const where = 'sam';
  const { gradAt, rho = 0.05, adaptive = false } = checkOptions(where, options, { gradAt: true, rho: true, adaptive: true });
  if (!inner || typeof inner.init !== 'function' || typeof inner.update !== 'function') {
    throw new InvalidArgumentError(
      `${where}: the first argument must be a gradient transformation ({ init, update }), got ${typeof inner}`,
    );
  }
  if (typeof gradAt !== 'function') {
    throw new InvalidArgumentError(
      `${where}: options.gradAt must be a function (perturbed params) => gradients, got ${gradAt === undefined ? 'nothing' : typeof gradAt}`,
    );
  }
  if (typeof rho !== 'number' || !(rho >= 0) || !Number.isFinite(rho)) {
    throw new InvalidArgumentError(`${where}: 'rho' must be a finite number ≥ 0, got ${String(rho)}`);
  }
  return {
    name: `sam(${inner.name ?? '?'})`,
    init: (params) => inner.init(params),
    update(grads, state, params) {
      const ps = needParams(params, where);
      const traced = isTraced(grads);
      // ε and θ + ε as real tensors: the callback is user code (often autograd).
      const perturbed = realTree(perturb(grads, ps, rho, adaptive));
      let gSam: Params | undefined;
      try {
        gSam = checkReturnedTree(where, 'gradAt', gradAt(perturbed), realTree(ps));
        return inner.update(tracedLike(gSam, grads), state, params);
      } finally {
        releaseReturned(gSam, traced, grads, params, state);
        if (!traced) for (const t of stateTensors(perturbed)) if (!t.disposed) t.dispose();
      }
    },
  };
}

/** θ + ρ·T²·g / (‖T·g‖ + 1e-12), T = |θ| when adaptive (the authors' `first_step`). */
function perturb(grads: Params, params: Params, rho: number, adaptive: boolean): Params {
  const scaled = adaptive ? mapTrees([grads, params], ([g, p]) => g.backend.mul(g, g.backend.unary('abs', p))) : grads;
  const norm = globalNorm(scaled);
  try {
    if (!norm) return params;
    const b = norm.backend;
    const factor = b.div(rho, b.add(norm, 1e-12));
    try {
      return mapTrees([params, grads], ([p, g]) => {
        const e = b.mul(adaptive ? b.mul(g, b.unary('square', p)) : g, factor);
        return b.add(p, e);
      });
    } finally {
      factor.dispose();
    }
  } finally {
    norm?.dispose();
    if (adaptive) for (const t of stateTensors(scaled)) t.dispose();
  }
}
