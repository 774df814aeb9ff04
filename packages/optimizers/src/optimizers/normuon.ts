import type { InjectedTransformation } from '../inject-hyperparams.js';
import type { ScalarOrSchedule } from '../types.js';
import { muonFamily, type MuonOptions } from './muon.js';

/** Options of {@link normuon}: Muon's, plus the decay of the per-neuron second moment. */
export interface NormuonOptions extends MuonOptions {
  /** Decay of the per-neuron second moment of the orthogonalized update (default 0.95, as the authors' code). */
  readonly b2?: ScalarOrSchedule;
}

/**
 * NorMuon (Li et al. 2025): Muon whose orthogonalized update is normalized per neuron (output
 * unit) by a running second moment, then rescaled to keep its Frobenius norm, so that no neuron's
 * update dominates; the Adam fallback as in `muon`.
 *
 * ```text
 * matrices (rank ≥ 2, or muonParams):
 *   m ← β·m + (1 − β)·g,   o = NS((1 − β)·g + β·m)
 *   ν ← b2·ν + (1 − b2)·mean_inputs(o²)                (one entry per output unit)
 *   ô = o / (√ν + 1e-10),   o′ = ô · ‖o‖_F / (‖ô‖_F + 1e-10)
 *   p ← p − η·( o′·√max(1, fanOut/fanIn) + λ·p )
 * the others: Adam, as muon
 * ```
 *
 * Shares `muon`'s code (one builder, `scaleByMuon` with `neuronB2`): the same
 * Newton–Schulz, layouts, fallback and options. What runs unfused: the Newton–Schulz iteration,
 * as Muon's, and the per-neuron means and the two norms (reductions); the normalization, decay
 * and step are elementwise. State per matrix `[out, in]`: the momentum (one slot per entry) and
 * `ν` (one per output unit).
 *
 * Conventions: as the authors' `NorMuon`/`SingleDeviceNorMuonWithAuxAdam` (momentum 0.95, `b2`
 * 0.95 without bias correction, 1e-10 in both divisions, Nesterov, decay `p·(1 − η·λ)`), except as
 * `muon` (the iteration in the parameters' dtype, not bfloat16; fan-out last by default,
 * `layout: 'out-in'` for PyTorch weights). For a kernel of rank > 2 the neurons are those of the
 * matrix view (the reference reshapes back first and averages over the last axis of
 * `[out, in, h, w]`). optax (its contrib has Muon only), PyTorch and Keras have no NorMuon.
 *
 * @param lr - Learning rate `η` of the matrices (and of the Adam fallback unless `adamLr`), or a schedule.
 * @param options - See {@link NormuonOptions}.
 * @returns The optimizer; its state holds `hyperparams` and the groups' states `{ muon, adam }`.
 *
 * @example
 * ```ts
 * const tx = normuon(0.02, { b2: 0.95, adamLr: 3e-4 });
 * ```
 *
 * Li et al., 2025, "NorMuon: Making Muon more efficient and scalable"
 * (https://arxiv.org/abs/2510.05491); reference code zichongli5/NorMuon, `normuon.py`.
 */
export function normuon(lr: ScalarOrSchedule, options: NormuonOptions = {}): InjectedTransformation {
  return muonFamily('normuon', lr, options);
}
