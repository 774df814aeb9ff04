import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { checkHyperparam } from '../hyperparams.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { mapTrees, stateNumber } from '../tree.js';
import { alias } from '../transforms/math.js';
import { needParams } from '../transforms/needs-params.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import type { GradientTransformation, ScalarOrSchedule } from '../types.js';
import { SCALE_BY_SOAP_KEYS, scaleBySoap, type ScaleBySoapOptions } from './scale-by-soap.js';

/**
 * Decoupled weight decay applied after the step, as the authors' SOAP (and PyTorch's `AdamW` of
 * their code): `p ← (p + u)·(1 − η·λ)`, so the update becomes `u − η·λ·(p + u)`; not at the first
 * step, which SOAP skips whole.
 */
function decayAfterStep(rate: number): GradientTransformation<{ readonly count: number }> {
  const where = 'soap';
  return {
    name: 'soap/decay',
    init: () => ({ count: 0 }),
    update(grads, state, params) {
      const ps = needParams(params, where);
      const count = stateNumber(state, 'count', where);
      const updates = mapTrees(
        [grads, ps],
        ([u, p]) => {
          if (rate === 0 || count === 0) return alias(u);
          const b = u.backend;
          return b.sub(u, b.mul(b.add(p.dtype === u.dtype ? p : b.cast(p, u.dtype), u), rate));
        },
        { where, labels: ['update', 'parameter'], dtype: false },
      );
      return [updates, { count: count + 1 }];
    },
  };
}

/** Options of {@link soap}: those of {@link scaleBySoap} and the decoupled weight decay. */
export interface SoapOptions extends ScaleBySoapOptions {
  /** Decoupled weight decay `λ`, applied after the step as the authors do (default 0.01, the authors'). */
  readonly weightDecay?: ScalarOrSchedule;
}

/**
 * SOAP (Vyas et al. 2024): Adam run in the eigenbasis of Shampoo's preconditioner. Each axis of a
 * parameter (of at most `maxPreconditionDim` entries) keeps a moving average of its Kronecker
 * factor statistic and that matrix's eigenbasis `Q`; the gradient is rotated into the bases,
 * Adam's moments are kept there, and the step is rotated back. The bases are refreshed every
 * `preconditionFrequency` steps by one power-iteration step and a QR decomposition.
 *
 * ```text
 * matrix G:        L ← β_s·L + (1 − β_s)·G·Gᵀ,   R ← β_s·R + (1 − β_s)·Gᵀ·G          (after each step)
 *                  G' = Q_Lᵀ·G·Q_R,   m ← β₁·m + (1 − β₁)·G',   v ← β₂·v + (1 − β₂)·G'²
 *                  p ← p − η·√(1 − β₂ᵗ)/(1 − β₁ᵗ)·Q_L·(m / (√v + ε))·Q_Rᵀ,   then p ← p·(1 − η·λ)
 * first step:      L, R and Q = eigh(L), eigh(R) only (no update)
 * every k steps:   Q ← qr(L·Q_sorted), Q_sorted the columns by decreasing diag(Qᵀ·L·Q), v's
 *                  entries along that axis in the same order; m rotated from the old basis to the new
 * ```
 *
 * Tensors of rank ≥ 3 rotate every axis with its own basis (the authors' `tensordot` per axis);
 * `mergeDims` first merges neighbouring axes while their product stays within
 * `maxPreconditionDim` (the authors' `merge_dims`); axes longer than `maxPreconditionDim`, and
 * vectors unless `precondition1d`, keep the identity (so biases and gains get Adam with the same
 * betas).
 *
 * Conventions: the authors' `SOAP` class (nikhilvyas/SOAP `soap.py`; lr 3e-3, betas 0.95, ε 1e-8,
 * weight decay 0.01 after the step, frequency 10, max dimension 10000, the first step skipped, `m`
 * kept in the eigenbasis and rotated at each refresh, where they rotate it back and forth every
 * step, an identity up to rounding). Not offered: `data_format` (channels-last convolutions). The
 * eigendecomposition and QR run on the host in float64 (ml-matrix), where the authors' code runs
 * them in float32; a sign flip of a basis vector, which LAPACK and ml-matrix may choose
 * differently, leaves the update unchanged. optax has no SOAP (not in `optax.contrib` either);
 * PyTorch and Keras have none.
 *
 * What runs unfused: the statistics and the rotations are matmuls on the backend, and on backends
 * that read synchronously (cpu, tfjs-cpu, tfjs-wasm) the eigenbases are computed on the host from a
 * read of the small `[d, d]` statistics; the moments, the Adam ratio, the averages, the learning
 * rate and the decay are fused by `step` between the matmuls. On backends that read only
 * asynchronously (webgpu) the bases are found on the device instead: four steps of orthogonal
 * iteration (Gram–Schmidt, no reads) at the first step and one at each refresh, without the host's
 * sort of the columns; the same rule with a less exact eigensolver.
 *
 * @param lr - The learning rate η, or a schedule (the authors' default 3e-3).
 * @param options - See {@link SoapOptions}.
 * @returns An injectable transformation (`lr` and `weightDecay` readable and settable).
 *
 * @example
 * ```ts
 * const tx = soap(3e-3, { preconditionFrequency: 10, maxPreconditionDim: 1024 });
 * let state = tx.init(params);
 * ({ params, state } = step(tx, params, grads, state));
 * ```
 *
 * Vyas, Morwani, Zhao, Kwun, Shapira, Brandfonbrener, Janson and Kakade, 2024, "SOAP: Improving
 * and Stabilizing Shampoo using Adam" (https://arxiv.org/abs/2409.11321), Algorithm 3; reference
 * code nikhilvyas/SOAP, `soap.py`.
 */
export function soap(lr: ScalarOrSchedule, options: SoapOptions = {}): InjectedTransformation {
  const { weightDecay = 0.01, ...rest } = checkOptions('soap', options, { ...SCALE_BY_SOAP_KEYS, weightDecay: true });
  scaleBySoap(rest);
  return withHyperparams('soap', { lr, weightDecay }, (h) => {
    checkHyperparam('soap', 'weightDecay', h.weightDecay);
    return chain(scaleBySoap(rest), scaleByLearningRate(h.lr), decayAfterStep(h.lr * h.weightDecay));
  });
}
