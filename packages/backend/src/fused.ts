/**
 * Fused optimizer updates: one pass over a parameter, its gradient and its optimizer state.
 * A backend lists the kinds it offers in `capabilities.fusedUpdates`; code above the waist uses a
 * kind where it is offered and the composed primitives otherwise, with the same results (within
 * the rounding of the dtype).
 *
 * The semantics every backend implements, with `g` the gradient and `p` the parameter:
 *
 * **`sgd`**: state `[]` when `momentum` is 0, else `[buf]` (starting at zero).
 * ```text
 * g ← g + weightDecay·p
 * buf ← momentum·buf + (1 − dampening)·g          (when momentum ≠ 0)
 * d ← nesterov ? g + momentum·buf : buf            (d = g when momentum = 0)
 * p ← p − lr·d
 * ```
 *
 * **`adam`** (Kingma and Ba, with AdamW's decoupled decay; `step` is t ≥ 1, the count after this update):
 * ```text
 * m ← b1·m + (1 − b1)·g
 * v ← b2·v + (1 − b2)·g²
 * m̂ = m / (1 − b1^t),  v̂ = v / (1 − b2^t)
 * p ← p − lr·( m̂ / (√(v̂ + epsRoot) + eps) + weightDecay·p )
 * ```
 *
 * **`rmsprop`** (Tieleman and Hinton; state `[nu]`, then `mg` when `centered`, then `mom` when `momentum ≠ 0`):
 * ```text
 * nu ← decay·nu + (1 − decay)·g²
 * mg ← decay·mg + (1 − decay)·g                  (centered)
 * s = nu − mg²  (centered)  or  nu
 * u = g / (√s + eps)   or, with epsInSqrt = 1,   g / √(s + eps)
 * mom ← momentum·mom + u;  u = mom               (momentum ≠ 0)
 * p ← p − lr·u
 * ```
 *
 * @example
 * ```ts
 * if (backend.capabilities.fusedUpdates.includes('adam')) {
 *   const { param, state } = backend.fusedUpdate('adam', { param: p, grad: g, state: [m, v] },
 *     { lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, epsRoot: 0, weightDecay: 0, step: 1 });
 * }
 * ```
 */
export type FusedUpdateKind = 'sgd' | 'adam' | 'rmsprop';

/** The hyperparameters of each fused kind (flags are 0 or 1). */
export interface FusedHyperparameters {
  /** SGD with momentum, dampening, Nesterov (0 or 1) and coupled weight decay. */
  sgd: { lr: number; momentum: number; dampening: number; nesterov: number; weightDecay: number };
  /** Adam with bias correction at step `step` (≥ 1), `epsRoot` inside the root, decoupled weight decay. */
  adam: { lr: number; b1: number; b2: number; eps: number; epsRoot: number; weightDecay: number; step: number };
  /** RMSprop, centered (0 or 1), with momentum, and `eps` inside the root when `epsInSqrt` is 1. */
  rmsprop: { lr: number; decay: number; eps: number; epsInSqrt: number; centered: number; momentum: number };
}

/** How many state tensors a fused kind keeps for given hyperparameters. */
export function fusedStateCount<K extends FusedUpdateKind>(kind: K, hyper: FusedHyperparameters[K]): number {
  switch (kind) {
    case 'sgd':
      return (hyper as FusedHyperparameters['sgd']).momentum !== 0 ? 1 : 0;
    case 'adam':
      return 2;
    case 'rmsprop': {
      const h = hyper as FusedHyperparameters['rmsprop'];
      return 1 + (h.centered ? 1 : 0) + (h.momentum !== 0 ? 1 : 0);
    }
    default:
      return kind satisfies never;
  }
}
