import { checkOptions, fmtShape, InvalidArgumentError, shapesEqual, ShapeError, type Tensor } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { flatten, getLeaf, mapTreesN, stateTree, unflatten, zerosLike } from '../tree.js';
import { norm } from './math.js';
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
  /**
   * How a tensor of rank > 2 becomes a matrix: `'in-out'` (default; downhill's and Keras's kernels
   * `[…, in, out]`) takes `[size / out, out]`, `'out-in'` (PyTorch's `[out, in, …]`) takes `[out, size / out]`.
   */
  readonly layout?: MuonLayout;
}

/** The layout of a weight tensor: fan-out last (`'in-out'`: downhill, Keras, flax) or first (`'out-in'`: PyTorch). */
export type MuonLayout = 'in-out' | 'out-in';

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
 * bfloat16). A tensor of rank > 2 is taken as a matrix (see {@link NewtonSchulzOptions.layout}) and
 * returned in its shape.
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
    layout = 'in-out',
  } = checkOptions('newtonSchulz', options, { steps: true, coeffs: true, eps: true, layout: true });
  if (g.shape.length < 2) throw new ShapeError(`newtonSchulz: expected a tensor of rank ≥ 2, got shape [${g.shape.join(', ')}]`);
  if (!Number.isSafeInteger(steps) || steps < 0)
    throw new InvalidArgumentError(`newtonSchulz: steps must be an integer ≥ 0, got ${String(steps)}`);
  const b = g.backend;
  const [a, bc, c] = coeffs;
  return b.scope(() => {
    const r = g.shape.length;
    const rows = layout === 'out-in' ? g.shape[0] : g.size / Math.max(g.shape[r - 1], 1);
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

/**
 * How {@link scaleByMuon} scales the orthogonalized update `o` of a matrix (`fanIn × fanOut`, or
 * its matrix view `rows × cols` for a rank > 2 kernel):
 *
 * - `'jordan'` (default): `√max(1, fanOut / fanIn)`, Keller Jordan's KellerJordan/Muon `muon.py`
 *   (`max(1, grad.size(-2) / grad.size(-1))**0.5` on PyTorch's `[out, in]`), PyTorch's
 *   `adjust_lr_fn="original"`; optax's contrib `scale_by_muon` takes the same ratio of the last two
 *   axes of its `[in, out]` kernels. It only scales up tall-output matrices, so the update's RMS is
 *   `1/√fanIn` (for fanOut ≤ fanIn) and the learning rate is Muon's own (0.02 in the reference).
 * - `'moonshot'`: `0.2·√max(rows, cols)`, from Liu et al. 2025, "Muon is Scalable for LLM
 *   Training" (https://arxiv.org/abs/2502.16982; MoonshotAI/Moonlight, `adjust_lr_for_muon`), and
 *   PyTorch's `adjust_lr_fn="match_rms_adamw"`: an orthogonal `rows × cols` matrix has RMS
 *   `1/√max(rows, cols)`, so the update's RMS becomes 0.2, about that of AdamW's update, and
 *   AdamW's learning rate and weight decay carry over (the paper reuses them unchanged).
 * - `'none'`: 1, the orthogonalized update as it comes.
 */
export type MuonScaling = 'jordan' | 'moonshot' | 'none';

/** The names {@link scaleByMuon} accepts for `scaling`. */
const MUON_SCALINGS: readonly MuonScaling[] = ['jordan', 'moonshot', 'none'];

/**
 * The factor {@link MuonScaling} gives a kernel of `shape` in `layout`.
 *
 * @param shape - The kernel's shape (rank ≥ 2).
 * @param layout - Where its fan-out is.
 * @param scaling - The convention.
 * @returns The factor the orthogonalized update is multiplied by.
 *
 * @example
 * ```ts
 * muonScale([784, 512], 'in-out', 'moonshot'); // 0.2·√784 = 5.6
 * muonScale([256, 10], 'in-out', 'jordan'); // √max(1, 10/256) = 1
 * ```
 */
export function muonScale(shape: readonly number[], layout: MuonLayout, scaling: MuonScaling): number {
  if (scaling === 'none') return 1;
  if (scaling === 'moonshot') {
    const { rows, cols } = matrixView(shape, layout);
    return 0.2 * Math.sqrt(Math.max(rows, cols));
  }
  const r = shape.length;
  const [fanIn, fanOut] = layout === 'in-out' ? [shape[r - 2], shape[r - 1]] : [shape[r - 1], shape[r - 2]];
  return Math.sqrt(Math.max(1, fanOut / fanIn));
}

/** The state of {@link scaleByMuon}: the momentum, and NorMuon's per-neuron second moments. */
export type ScaleByMuonState = {
  /** The momentum buffer: the moving average of the gradients. */
  readonly mu: Params;
  /**
   * NorMuon only (`neuronB2` set): the moving average of each neuron's mean squared orthogonalized
   * update, shape `[out, 1]` (layout `'out-in'`) or `[1, out]` (`'in-out'`) of the matrix view.
   */
  readonly nu?: Params;
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
  /**
   * Where the fan-out is: `'in-out'` (default: downhill's Dense `[in, out]` and Conv `[…, in, out]`
   * kernels) or `'out-in'` (PyTorch's `[out, in, …]`, the reference code's). It sets the matrix view
   * of a rank > 2 kernel and the scale `√max(1, fanOut / fanIn)`.
   */
  readonly layout?: MuonLayout;
  /**
   * NorMuon: the decay of a per-neuron second moment by which the orthogonalized update is
   * normalized, row by row of output units, before its Frobenius norm is restored (default: unset, plain Muon).
   */
  readonly neuronB2?: number;
  /**
   * How the orthogonalized update is scaled by the matrix's shape (default `'jordan'`,
   * `√max(1, fanOut / fanIn)`; `'moonshot'`: `0.2·√max(rows, cols)`, the RMS of AdamW's update, so
   * AdamW's learning rate applies). See {@link MuonScaling}.
   */
  readonly scaling?: MuonScaling;
}

/** The matrix view `[rows, cols]` of a kernel in a layout, and the axis of the matrix view that runs over one neuron's inputs. */
function matrixView(shape: readonly number[], layout: MuonLayout): { rows: number; cols: number; inputAxis: 0 | 1 } {
  const size = shape.reduce((a, d) => a * d, 1);
  const rows = layout === 'out-in' ? shape[0] : size / Math.max(shape[shape.length - 1], 1);
  return { rows, cols: size / Math.max(rows, 1), inputAxis: layout === 'out-in' ? 1 : 0 };
}

/** The shape of NorMuon's second moment of a kernel: one entry per output unit. */
function neuronShape(shape: readonly number[], layout: MuonLayout): number[] {
  const { rows, cols, inputAxis } = matrixView(shape, layout);
  return inputAxis === 1 ? [rows, 1] : [1, cols];
}

/** Defaults of {@link scaleByMuon}'s options, shared with {@link muon} and {@link normuon}. */
export const SCALE_BY_MUON_DEFAULTS = {
  momentum: 0.95,
  nesterov: true,
  nsSteps: 5,
  nsCoeffs: MUON_NS_COEFFS,
  eps: 1e-7,
  layout: 'in-out',
  scaling: 'jordan',
} as const;

/**
 * Muon's rescaling of matrix parameters: momentum, orthogonalized by Newton–Schulz, scaled by the
 * shape so the update's RMS does not shrink for tall matrices.
 *
 * ```text
 * m ← β·m + (1 − β)·g
 * o = NS((1 − β)·g + β·m)              (without Nesterov: NS(m))
 * u = o · √max(1, fanOut / fanIn)      (scaling 'jordan', the default)
 * u = o · 0.2·√max(rows, cols)         (scaling 'moonshot': the RMS of AdamW's update)
 * ```
 *
 * Every leaf must have rank ≥ 2; give vectors and scalars to another transformation (as
 * {@link muon} does). With the default layout `'in-out'` (downhill's kernels `[in, out]`), the
 * scale is `√max(1, shape[-1] / shape[-2])` and a convolution kernel `[h, w, in, out]` is
 * orthogonalized as `[h·w·in, out]`; with `'out-in'` (PyTorch's weights, the reference code's), it
 * is `√max(1, shape[-2] / shape[-1])`, as the reference's `grad.size(-2) / grad.size(-1)` (which for
 * a convolution `[out, in, h, w]` reads the kernel's last two axes), and the matrix `[out, in·h·w]`.
 *
 * NorMuon (`neuronB2` set) normalizes the orthogonalized `o` per neuron (output unit) and keeps
 * its norm:
 *
 * ```text
 * ν ← b2·ν + (1 − b2)·mean_inputs(o²)          (one entry per output unit)
 * ô = o / (√ν + 1e-10),   u = ô · ‖o‖_F / (‖ô‖_F + 1e-10) · scale     (scale as above)
 * ```
 *
 * Unfused: the momentum is one update program per parameter, but the Newton–Schulz iteration is
 * matrix products (the backend's `matmul`) and a norm, which run as separate calls before the
 * final scaling (and the learning rate and `applyUpdates`) enter the next program; NorMuon's
 * per-neuron means and two norms are reductions, its normalization elementwise.
 *
 * @param options - See {@link ScaleByMuonOptions}.
 * @returns A transformation whose state is `{ mu }` (`{ mu, nu }` with `neuronB2`).
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
    momentum = SCALE_BY_MUON_DEFAULTS.momentum,
    nesterov = SCALE_BY_MUON_DEFAULTS.nesterov,
    nsSteps = SCALE_BY_MUON_DEFAULTS.nsSteps,
    nsCoeffs = SCALE_BY_MUON_DEFAULTS.nsCoeffs,
    eps = SCALE_BY_MUON_DEFAULTS.eps,
    layout = SCALE_BY_MUON_DEFAULTS.layout,
    neuronB2,
    scaling = SCALE_BY_MUON_DEFAULTS.scaling,
  } = checkOptions(where, options, {
    scaling: true,
    momentum: true,
    nesterov: true,
    nsSteps: true,
    nsCoeffs: true,
    eps: true,
    layout: true,
    neuronB2: true,
  });
  if (neuronB2 !== undefined) checkHyperparam(where, 'b2', neuronB2);
  if (layout !== 'in-out' && layout !== 'out-in')
    throw new InvalidArgumentError(`${where}: layout must be 'in-out' or 'out-in', got ${JSON.stringify(layout)}`);
  if (!MUON_SCALINGS.includes(scaling))
    throw new InvalidArgumentError(
      `${where}: scaling must be one of ${MUON_SCALINGS.map((n) => `'${n}'`).join(', ')}, got ${JSON.stringify(scaling)}`,
    );
  checkHyperparam(where, 'momentum', momentum);
  checkHyperparam(where, 'eps', eps);
  if (!Number.isSafeInteger(nsSteps) || nsSteps < 0)
    throw new InvalidArgumentError(`${where}: nsSteps must be an integer ≥ 0, got ${String(nsSteps)}`);
  if (!Array.isArray(nsCoeffs) || nsCoeffs.length !== 3 || !nsCoeffs.every(Number.isFinite))
    throw new InvalidArgumentError(`${where}: nsCoeffs must be three finite numbers (a, b, c), got ${JSON.stringify(nsCoeffs)}`);
  const rankCheck = (g: Tensor, name: string) => {
    if (g.shape.length < 2)
      throw new ShapeError(`${where}: '${name}' has shape [${g.shape.join(', ')}]; Muon orthogonalizes matrices (rank ≥ 2) only`);
  };
  /** The momentum step and the orthogonalized direction, scaled by the shape (NorMuon: normalized first). */
  const step = (g: Tensor, m: Tensor, nu?: Tensor): Tensor[] => {
    const b = g.backend;
    const m2 = b.add(b.mul(m, momentum), b.mul(g, 1 - momentum));
    const dir = nesterov ? b.add(b.mul(g, 1 - momentum), b.mul(m2, momentum)) : m2;
    const o = newtonSchulz(dir, { steps: nsSteps, coeffs: nsCoeffs, eps, layout });
    const scale = muonScale(g.shape, layout, scaling);
    if (nu === undefined || neuronB2 === undefined) return [b.mul(o, scale), m2];
    const { rows, cols, inputAxis } = matrixView(g.shape, layout);
    const x = b.reshape(o, [rows, cols]);
    const mean = b.div(b.reduce('sum', b.unary('square', x), inputAxis, true), inputAxis === 1 ? cols : rows);
    const nu2 = b.add(b.mul(nu, neuronB2), b.mul(mean, 1 - neuronB2));
    const y = b.div(x, b.add(b.unary('sqrt', nu2), 1e-10));
    const keep = b.mul(b.div(norm(x), b.add(norm(y), 1e-10)), scale);
    return [b.reshape(b.mul(y, keep), g.shape), m2, nu2];
  };
  return {
    name: where,
    init(params) {
      if (neuronB2 === undefined) return { mu: zerosLike(params) };
      const nu = flatten(params, where).map(([n, p]) => {
        rankCheck(p, n);
        return [n, p.backend.zeros(neuronShape(p.shape, layout), p.dtype)] as [string, Tensor];
      });
      return { mu: zerosLike(params), nu: unflatten(nu, params) };
    },
    update(grads, state) {
      if (neuronB2 === undefined) {
        const [updates, mu] = mapTreesN(
          2,
          [grads, stateTree(state, 'mu', where)],
          ([g, m], name) => {
            rankCheck(g, name);
            return step(g, m);
          },
          { where, labels: ['update', "state 'mu'"] },
        );
        return [updates, { mu }];
      }
      // NorMuon: ν is not shaped like the parameter, so it is looked up by name beside the shaped trees.
      const nuTree = stateTree(state, 'nu', where);
      const leaves = flatten(grads, where);
      const nuOf = new Map<string, Tensor>();
      for (const [name, g] of leaves) {
        rankCheck(g, name);
        const want = neuronShape(g.shape, layout);
        const t = getLeaf(nuTree, name);
        if (!t || !shapesEqual(t.shape, want) || t.dtype !== g.dtype || t.disposed)
          throw new ShapeError(
            `${where}: state 'nu' of '${name}' must be a live ${g.dtype} tensor of shape ${fmtShape(want)}, got ${t ? `${t.dtype} ${fmtShape(t.shape)}${t.disposed ? ' (released)' : ''}` : 'none'}`,
          );
        nuOf.set(name, t);
      }
      if (flatten(nuTree, where).length !== leaves.length)
        throw new InvalidArgumentError(`${where}: state 'nu' names other parameters than the gradients`);
      const muTree = stateTree(state, 'mu', where);
      const [updates, mu, nu] = mapTreesN(3, [grads, muTree], ([g, m], name) => step(g, m, nuOf.get(name)), {
        where,
        labels: ['update', "state 'mu'"],
      });
      return [updates, { mu, nu }];
    },
  };
}
