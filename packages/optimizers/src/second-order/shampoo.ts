import { InvalidArgumentError, UnsupportedError, checkOptions, flatten, isPlainRecord, unflatten, type Tensor } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import type { GradientTransformation, Params, ScalarOrSchedule } from '../types.js';
import { symmetricInverseRoot } from './eigenbasis.js';
import { identity, inverseRoot } from './inverse-root.js';
import { blockRanges, factorStatistic, matrixView } from './matrix-view.js';
import { checkEvery } from './scale-by-sophia.js';

/** The statistics of one block: `l`, `r` and their roots for a matrix block; `l` and its root alone for a vector block. */
export type ShampooBlock = {
  /** Left statistics `ε·I + Σ G·Gᵀ` (for a vector block: `ε·I + Σ g·gᵀ`). */
  readonly l: Tensor;
  /** Its inverse root `l^(−1/4)` (vector: `l^(−1/2)`), as of the last refresh. */
  readonly lRoot: Tensor;
  /** Right statistics `ε·I + Σ Gᵀ·G` (matrix blocks only). */
  readonly r?: Tensor;
  /** Its inverse root `r^(−1/4)`. */
  readonly rRoot?: Tensor;
};

/** The state of {@link scaleByShampoo}: the step count and, per parameter (in `flatten` order), its blocks. */
export type ScaleByShampooState = {
  /** Updates made so far (roots are refreshed when `count % updateEvery === 0`). */
  readonly count: number;
  /** Per parameter, in `flatten` order, the statistics of its blocks (row blocks × column blocks, row-major). */
  readonly blocks: readonly (readonly ShampooBlock[])[];
};

const SHAMPOO_KEYS = { eps: true, blockSize: true, updateEvery: true, newtonIterations: true, roots: true } as const;

/** Options of {@link scaleByShampoo}. */
export interface ScaleByShampooOptions {
  /** Initial statistics ε·I (default 1e-4). */
  readonly eps?: number;
  /** Largest block side: dimensions above it are split into blocks of this size (default 128). */
  readonly blockSize?: number;
  /** Recompute the inverse roots every k steps, at steps 0, k, 2k, ... (default 1, the paper's). */
  readonly updateEvery?: number;
  /** Coupled Newton iterations per inverse root (default 40; `roots: 'newton'` only). */
  readonly newtonIterations?: number;
  /**
   * How the inverse roots are computed (default `'newton'`): `'newton'`, the coupled Newton
   * iteration, matmuls on the backend (any backend); `'eigh'`, an eigendecomposition of each block on
   * the host in float64 (exact, and on a CPU far cheaper than 40 Newton steps for blocks of a few
   * hundred), which needs a backend that reads synchronously.
   */
  readonly roots?: 'newton' | 'eigh';
}

/**
 * Shampoo's preconditioned direction (see {@link shampoo}).
 *
 * @param options - See {@link ScaleByShampooOptions}.
 * @returns A transformation whose state is {@link ScaleByShampooState}.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByShampoo({ blockSize: 64 }), scaleByLearningRate(0.1));
 * ```
 */
export function scaleByShampoo(options: ScaleByShampooOptions = {}): GradientTransformation<ScaleByShampooState> {
  const where = 'shampoo';
  const {
    eps = 1e-4,
    blockSize = 128,
    updateEvery = 1,
    newtonIterations = 40,
    roots = 'newton',
  } = checkOptions(where, options, SHAMPOO_KEYS);
  if (roots !== 'newton' && roots !== 'eigh')
    throw new InvalidArgumentError(`${where}: 'roots' must be 'newton' or 'eigh', got ${String(roots)}`);
  if (!(eps > 0) || !Number.isFinite(eps))
    throw new InvalidArgumentError(`${where}: 'eps' must be a finite number > 0, got ${String(eps)}`);
  const side = checkEvery(where, blockSize, 'blockSize');
  const k = checkEvery(where, updateEvery);
  const iters = checkEvery(where, newtonIterations, 'newtonIterations');

  const layout = matrixView;
  const ranges = (n: number) => blockRanges(n, side);
  const scaledEye = (like: Tensor, n: number, value: number) => identity(like.backend, n, like.dtype, value);

  return {
    name: where,
    init: (params) => ({
      count: 0,
      blocks: flatten(params, where).map(([, t]) => {
        const lay = layout(t.shape);
        if ('n' in lay) return ranges(lay.n).map(([, len]) => ({ l: scaledEye(t, len, eps), lRoot: scaledEye(t, len, eps ** -0.5) }));
        return ranges(lay.rows).flatMap(([, rl]) =>
          ranges(lay.cols).map(([, cl]) => ({
            l: scaledEye(t, rl, eps),
            lRoot: scaledEye(t, rl, eps ** -0.25),
            r: scaledEye(t, cl, eps),
            rRoot: scaledEye(t, cl, eps ** -0.25),
          })),
        );
      }),
    }),
    update(grads, state) {
      if (!isPlainRecord(state) || typeof state.count !== 'number' || !Array.isArray(state.blocks)) {
        throw new InvalidArgumentError(`${where}: expected a state { count, blocks } made by this transformation's init`);
      }
      const leaves = flatten(grads, where);
      if (leaves.length !== state.blocks.length) {
        throw new InvalidArgumentError(
          `${where}: the state holds blocks of ${state.blocks.length} parameters but the gradients have ${leaves.length}; was it made by init() for other parameters?`,
        );
      }
      if (leaves.length === 0) return [grads, state];
      const refresh = state.count % k === 0;
      const backend = leaves[0][1].backend;
      if (roots === 'eigh' && !backend.capabilities.syncRead)
        throw new UnsupportedError(
          `${where}: roots: 'eigh' computes the inverse roots on the host, which needs a backend that reads synchronously (capabilities.syncRead); '${backend.name}' reads only asynchronously: use roots: 'newton'`,
        );
      const root = (a: Tensor, p: number): Tensor =>
        roots === 'eigh'
          ? a.backend.tensor(symmetricInverseRoot(a.backend.readSync(a), a.shape[0], p), a.shape, a.dtype)
          : inverseRoot(a, p, iters);
      return backend.scope(() => {
        const blocks: ShampooBlock[][] = [];
        const out = leaves.map(([name, g], li) => {
          const b = g.backend;
          const lay = layout(g.shape);
          const old = state.blocks[li];
          const fresh: ShampooBlock[] = [];
          if ('n' in lay) {
            const flat = b.reshape(g, [lay.n]);
            const rs = ranges(lay.n);
            checkBlocks(where, name, old, rs.length, false);
            const parts = rs.map(([start, len], i) => {
              const x = b.reshape(b.slice(flat, [start], [len]), [len, 1]);
              const l = b.add(old[i].l, factorStatistic(x, 0));
              const lRoot = refresh ? root(l, 2) : b.mul(old[i].lRoot, 1);
              fresh.push({ l, lRoot });
              return b.reshape(b.matmul(lRoot, x), [len]);
            });
            blocks.push(fresh);
            return [name, b.reshape(parts.length === 1 ? parts[0] : b.concat(parts, 0), g.shape)] as const;
          }
          const mat = b.reshape(g, [lay.rows, lay.cols]);
          const rr = ranges(lay.rows);
          const cr = ranges(lay.cols);
          checkBlocks(where, name, old, rr.length * cr.length, true);
          const rowsOut = rr.map(([r0, rl], i) => {
            const cols = cr.map(([c0, cl], j) => {
              const s = old[i * cr.length + j];
              const x = rr.length === 1 && cr.length === 1 ? mat : b.slice(mat, [r0, c0], [rl, cl]);
              const l = b.add(s.l, factorStatistic(x, 0));
              const r = b.add(s.r!, factorStatistic(x, 1));
              const lRoot = refresh ? root(l, 4) : b.mul(s.lRoot, 1);
              const rRoot = refresh ? root(r, 4) : b.mul(s.rRoot!, 1);
              fresh.push({ l, lRoot, r, rRoot });
              return b.matmul(b.matmul(lRoot, x), rRoot);
            });
            return cols.length === 1 ? cols[0] : b.concat(cols, 1);
          });
          blocks.push(fresh);
          return [name, b.reshape(rowsOut.length === 1 ? rowsOut[0] : b.concat(rowsOut, 0), g.shape)] as const;
        });
        return [unflatten(out, grads), { count: state.count + 1, blocks }] as [Params, ScaleByShampooState];
      });
    },
  };
}

function checkBlocks(where: string, name: string, blocks: unknown, expected: number, matrix: boolean): void {
  if (
    !Array.isArray(blocks) ||
    blocks.length !== expected ||
    blocks.some((s) => !isPlainRecord(s) || !s.l || !s.lRoot || (matrix && (!s.r || !s.rRoot)))
  ) {
    throw new InvalidArgumentError(
      `${where}: the state of '${name}' should hold ${expected} ${matrix ? 'matrix' : 'vector'} blocks; was it made by init() for parameters of other shapes?`,
    );
  }
}

/** Options of {@link shampoo}. */
export type ShampooOptions = ScaleByShampooOptions;

/**
 * Shampoo: each matrix gradient preconditioned on both sides by inverse fourth roots of its
 * accumulated row and column second moments (Gupta, Koren and Singer 2018).
 *
 * ```text
 * matrix G (m×n, blocks of blockSize):  L ← L + G·Gᵀ,  R ← R + Gᵀ·G        (L₀ = ε·Iₘ, R₀ = ε·Iₙ)
 *                                        θ ← θ − η·L^(−1/4)·G·R^(−1/4)
 * vector g (order 1):                   H ← H + g·gᵀ,  θ ← θ − η·H^(−1/2)·g    (H₀ = ε·I)
 * ```
 *
 * Tensors of rank 3 and more are treated as matrices `[∏ leading dims, last dim]`, as distributed
 * Shampoo merges dimensions. Each side longer than `blockSize` is split into blocks with their own
 * statistics. The roots are refreshed every `updateEvery` steps (the paper: every step) by the
 * coupled Newton iteration (matmuls only), or with `roots: 'eigh'` by an eigendecomposition of
 * each block on the host in float64 (ml-matrix, the module SOAP's eigenbases come from).
 *
 * Conventions: the paper's Algorithm 1 (matrices) and its order-k rule for vectors; no momentum,
 * no grafting onto another optimizer's step norm and no learning-rate warm-up, which Anil et al.'s
 * distributed Shampoo (google-research) adds; no diagonal fallback for large dimensions (use a
 * smaller `blockSize`). optax keeps Shampoo out of its core; PyTorch has none.
 *
 * Learning rate: its statistics are sums, so its steps shrink as they grow (as AdaGrad's); on
 * the MNIST MLP (examples/mnist, roots every 10 steps, 3 epochs; docs/optimizers.md) η = 1e-3
 * reached 67.69%, 1e-2 92.93%, 3e-2 95.73% and 0.1 97.81%, so the MNIST default is 0.1.
 *
 * Runs unfused: the statistics, the roots and the preconditioned update are matmuls on the
 * backend (no host reads with the default Newton roots, so it runs on webgpu too; `'eigh'` reads
 * each block back); only the final scaling by the learning rate is elementwise.
 *
 * @param lr - The learning rate η, or a schedule.
 * @param options - See {@link ScaleByShampooOptions}.
 * @returns An injectable transformation (`lr` readable and settable).
 *
 * @example
 * ```ts
 * const tx = shampoo(0.1, { blockSize: 128, updateEvery: 10 });
 * let state = tx.init(params);
 * ({ params, state } = step(tx, params, grads, state));
 * ```
 *
 * Gupta, Koren and Singer, 2018, "Shampoo: Preconditioned Stochastic Tensor Optimization", ICML,
 * Algorithms 1 and 2 (https://arxiv.org/abs/1802.09568); Anil et al., 2020, "Scalable Second Order
 * Optimization for Deep Learning" (https://arxiv.org/abs/2002.09018).
 */
export function shampoo(lr: ScalarOrSchedule, options: ShampooOptions = {}): InjectedTransformation {
  const opts = checkOptions('shampoo', options, SHAMPOO_KEYS);
  scaleByShampoo(opts);
  return withHyperparams('shampoo', { lr }, (h) => chain(scaleByShampoo(opts), scaleByLearningRate(h.lr)));
}
