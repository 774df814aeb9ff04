import { checkOptions, InvalidArgumentError, ShapeError, type Tensor } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { mapTreesN, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';

/** The quintic coefficients `(a, b, c)` of Keller Jordan's Newton–Schulz iteration. */
export const MUON_NS_COEFFS: readonly [number, number, number] = [3.4445, -4.775, 2.0315];

/** Options of {@link newtonSchulz}. */
export interface NewtonSchulzOptions {
  /** Iterations (default 5). */
  readonly steps?: number;
  /** The coefficients `(a, b, c)` of `X ← a·X + (b·A + c·A²)·X`, `A = X·Xᵀ` (default {@link MUON_NS_COEFFS}). */
  readonly coeffs?: readonly [number, number, number];
  /** Added to the Frobenius norm before the first division (default 1e-7, as the reference code). */
  readonly eps?: number;
}

/**
 * The approximate orthogonalization of a matrix `G = U·S·Vᵀ` to about `U·Vᵀ` by a quintic
 * Newton–Schulz iteration (Muon's `zeropower_via_newtonschulz5`), with the backend's `matmul`:
 *
 * ```text
 * X = G / (‖G‖_F + ε)          (transposed first when G has more rows than columns)
 * repeat steps:  A = X·Xᵀ,  X ← a·X + (b·A + c·A·A)·X
 * ```
 *
 * The default coefficients maximize the slope at zero rather than converge to `U·Vᵀ`: singular
 * values land roughly in [0.7, 1.2]. Runs in the tensor's dtype (the reference code runs in
 * bfloat16). A tensor of rank > 2 is taken as the matrix `[shape[0], rest]` and returned in its shape.
 *
 * @param g - A tensor of rank ≥ 2.
 * @param options - See {@link NewtonSchulzOptions}.
 * @returns A new tensor of `g`'s shape.
 * @throws ShapeError for a tensor of rank < 2.
 *
 * @example
 * ```ts
 * const o = newtonSchulz(cpu().tensor([3, 0, 0, 0.5], [2, 2]), { steps: 5 }); // ≈ diag(1, 1) up to the iteration's spread
 * ```
 *
 * Jordan et al., 2024, "Muon: An optimizer for hidden layers in neural networks" (https://kellerjordan.github.io/posts/muon/);
 * reference code KellerJordan/Muon, `muon.py`.
 */
export function newtonSchulz(g: Tensor, options: NewtonSchulzOptions = {}): Tensor {
  const {
    steps = 5,
    coeffs = MUON_NS_COEFFS,
    eps = 1e-7,
  } = checkOptions('newtonSchulz', options, { steps: true, coeffs: true, eps: true });
  if (g.shape.length < 2) throw new ShapeError(`newtonSchulz: expected a tensor of rank ≥ 2, got shape [${g.shape.join(', ')}]`);
  if (!Number.isSafeInteger(steps) || steps < 0)
    throw new InvalidArgumentError(`newtonSchulz: steps must be an integer ≥ 0, got ${String(steps)}`);
  const b = g.backend;
  const [a, bc, c] = coeffs;
  return b.scope(() => {
    const rows = g.shape[0];
    const cols = g.size / Math.max(rows, 1);
    let x = g.shape.length === 2 ? g : b.reshape(g, [rows, cols]);
    const tall = rows > cols;
    if (tall) x = b.transpose(x);
    x = b.div(x, b.add(b.unary('sqrt', b.reduce('sum', b.unary('square', x))), eps));
    for (let i = 0; i < steps; i++) {
      const A = b.matmul(x, x, { transposeB: true });
      const B = b.add(b.mul(A, bc), b.mul(b.matmul(A, A), c));
      x = b.add(b.mul(x, a), b.matmul(B, x));
    }
    if (tall) x = b.transpose(x);
    return g.shape.length === 2 ? x : b.reshape(x, g.shape);
  });
}

/** The state of {@link scaleByMuon}: the momentum. */
export type ScaleByMuonState = {
  /** The momentum buffer: the moving average of the gradients. */
  readonly mu: Params;
};

/** Options of {@link scaleByMuon}. */
export interface ScaleByMuonOptions {
  /** Momentum `β` (default 0.95). */
  readonly momentum?: number;
  /** Nesterov: orthogonalize `(1 − β)·g + β·m` instead of `m` (default true). */
  readonly nesterov?: boolean;
  /** Newton–Schulz iterations (default 5). */
  readonly nsSteps?: number;
  /** Newton–Schulz coefficients (default {@link MUON_NS_COEFFS}). */
  readonly nsCoeffs?: readonly [number, number, number];
  /** Added to the Frobenius norm before Newton–Schulz (default 1e-7). */
  readonly eps?: number;
}

/**
 * Muon's rescaling of matrix parameters: momentum, orthogonalized by Newton–Schulz, scaled by the
 * shape so the update's RMS does not shrink for tall matrices.
 *
 * ```text
 * m ← β·m + (1 − β)·g
 * o = NS((1 − β)·g + β·m)              (without Nesterov: NS(m))
 * u = o · √max(1, rows / cols)
 * ```
 *
 * Every leaf must have rank ≥ 2 (a convolution kernel `[out, in, h, w]` is orthogonalized as
 * `[out, in·h·w]`; its scale uses the last two axes, as the reference code's `grad.size(-2) / grad.size(-1)`);
 * give vectors and scalars to another transformation (as {@link muon} does).
 *
 * Unfused: the momentum is one update program per parameter, but the Newton–Schulz iteration is
 * matrix products (the backend's `matmul`) and a norm, which run as separate calls before the
 * final scaling (and the learning rate and `applyUpdates`) enter the next program.
 *
 * @param options - See {@link ScaleByMuonOptions}.
 * @returns A transformation whose state is `{ mu }`.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByMuon({ momentum: 0.95 }), scaleByLearningRate(0.02)); // matrices only
 * ```
 *
 * Jordan et al., 2024, "Muon: An optimizer for hidden layers in neural networks" (https://kellerjordan.github.io/posts/muon/).
 */
export function scaleByMuon(options: ScaleByMuonOptions = {}): GradientTransformation<ScaleByMuonState> {
  const where = 'scaleByMuon';
  const {
    momentum = 0.95,
    nesterov = true,
    nsSteps = 5,
    nsCoeffs = MUON_NS_COEFFS,
    eps = 1e-7,
  } = checkOptions(where, options, { momentum: true, nesterov: true, nsSteps: true, nsCoeffs: true, eps: true });
  checkHyperparam(where, 'momentum', momentum);
  checkHyperparam(where, 'eps', eps);
  if (!Number.isSafeInteger(nsSteps) || nsSteps < 0)
    throw new InvalidArgumentError(`${where}: nsSteps must be an integer ≥ 0, got ${String(nsSteps)}`);
  if (!Array.isArray(nsCoeffs) || nsCoeffs.length !== 3 || !nsCoeffs.every(Number.isFinite))
    throw new InvalidArgumentError(`${where}: nsCoeffs must be three finite numbers (a, b, c), got ${JSON.stringify(nsCoeffs)}`);
  return {
    name: where,
    init: (params) => ({ mu: zerosLike(params) }),
    update(grads, state) {
      const [updates, mu] = mapTreesN(
        2,
        [grads, stateTree(state, 'mu', where)],
        ([g, m], name) => {
          if (g.shape.length < 2)
            throw new ShapeError(`${where}: '${name}' has shape [${g.shape.join(', ')}]; Muon orthogonalizes matrices (rank ≥ 2) only`);
          const b = g.backend;
          const m2 = b.add(b.mul(m, momentum), b.mul(g, 1 - momentum));
          const dir = nesterov ? b.add(b.mul(g, 1 - momentum), b.mul(m2, momentum)) : m2;
          const o = newtonSchulz(dir, { steps: nsSteps, coeffs: nsCoeffs, eps });
          const r = g.shape.length;
          const scale = Math.sqrt(Math.max(1, g.shape[r - 2] / g.shape[r - 1]));
          return [b.mul(o, scale), m2];
        },
        { where, labels: ['update', "state 'mu'"] },
      );
      return [updates, { mu }];
    },
  };
}
