import { mapTree, valueAndGrad, type TensorLike } from '@downhill/autograd';
import { InvalidArgumentError, Tensor, type Backend } from '@downhill/backend';
import { disposeTree, layoutOf } from './flat.js';
import { checkLoss } from './hessian-operator.js';
import { checkOptions } from './options.js';
import type { hessianTopEigenvalue } from './power-iteration.js';

/**
 * Anything of the shape of `@downhill/optimizers`' gradient transformations (optax's pair):
 * `init` makes the state, `update` turns gradients into updates that are added to the
 * parameters. Typed structurally, so this package does not depend on the optimizers package.
 */
export interface OptimizerLike<S = unknown> {
  /** The initial state for these parameters. */
  init(params: unknown): S;
  /** The updates for these gradients and the next state. */
  update(grads: unknown, state: S, params?: unknown): readonly [unknown, S];
}

/** Options of {@link lrRangeTest}. */
export interface LrRangeTestOptions<S = unknown> {
  /** The first learning rate of the ramp. Default 1e-7. */
  readonly minLr?: number;
  /** The last learning rate of the ramp. Default 10. */
  readonly maxLr?: number;
  /** Steps of the ramp (one gradient each). Default 300. */
  readonly steps?: number;
  /** The weight β of the exponential moving average that smooths the loss (bias-corrected, as fastai). Default 0.98. */
  readonly smoothing?: number;
  /** Stop when the smoothed loss exceeds this many times its minimum so far, or the loss is not finite. Default 4. */
  readonly divergeFactor?: number;
  /** An optimizer state to start from (copied; the original stays as it is). Default: the optimizer's `init`. */
  readonly state?: S;
}

/** What {@link lrRangeTest} returns: the curve and where to read it. */
export interface LrRangeTest {
  /** The learning rate of each step taken. */
  readonly lrs: number[];
  /** The loss at each step, before that step's update. */
  readonly losses: number[];
  /** The bias-corrected exponential moving average of the losses. */
  readonly smoothed: number[];
  /** The suggested learning rate: {@link LrRangeTest.steepest}. */
  readonly suggestion: number;
  /** The rule that gave the suggestion, in words. */
  readonly rule: string;
  /** The learning rate where the smoothed loss falls fastest against log(lr), before its minimum (fastai's and torch-lr-finder's "steepest" point). */
  readonly steepest: number;
  /** The learning rate where the smoothed loss is lowest, and that loss; a tenth of it is fastai's other rule. */
  readonly minimum: { readonly lr: number; readonly loss: number };
  /** Where the loss ran away: the learning rate of the first step of the unbroken rise of the raw loss that ended in divergence; undefined when the ramp ended first. */
  readonly divergence?: { readonly lr: number; readonly step: number };
  /** Whether the loss diverged (and the test stopped there, possibly before the end of the ramp). */
  readonly diverged: boolean;
}

const RULE =
  'the learning rate at which the smoothed loss decreases fastest with respect to log(lr), between the 10th step and the minimum of the smoothed loss (the "steepest" rule of fastai and torch-lr-finder)';

/**
 * The learning-rate range test (Smith 2017; fastai's `lr_find`, torch-lr-finder): train for a few
 * hundred steps while the learning rate grows exponentially from `minLr` to `maxLr`, smooth the
 * loss, and read off where it falls fastest (a good learning rate), where it is lowest, and where
 * it runs away. Everything runs on a copy: the caller's parameters and optimizer state are left
 * bitwise as they were.
 *
 * Math: `lr_t = minLr·(maxLr/minLr)^{t/(steps−1)}`; the smoothed loss is
 * `s_t = m_t/(1 − β^{t+1})` with `m_t = β·m_{t−1} + (1 − β)·L_t`. The test stops when `L_t` is not
 * finite or `s_t > divergeFactor · min s`; `divergence.lr` is then the learning rate of the first
 * step of the unbroken rise of the raw loss that led there. For gradient descent on a quadratic
 * with largest Hessian eigenvalue λ, no direction can grow before `lr > 2/λ`, so that is a lower
 * bound; with minibatch noise (which keeps every direction excited) the rise comes right after it
 * (within 17% in the tests). Without noise it can come much later: an exponential ramp multiplies
 * the sharpest direction by `1 − lr·λ ≈ 0` as it passes `1/λ`, and the loss shows the instability
 * only once that direction has grown back (compare with {@link hessianTopEigenvalue}).
 *
 * The optimizer comes in one of two forms:
 * - a factory from a learning-rate schedule to an optimizer (such as `(lr) => adam(lr)`: a schedule
 *   is a learning rate in `@downhill/optimizers`), called once; the schedule it gets returns the
 *   ramp's current value whatever step it is asked about;
 * - an optimizer object whose learning rate is 1 (such as `sgd(1)`, `adam(1)`): its updates are
 *   multiplied by each step's learning rate.
 *
 * @param loss - `(params, step) => scalar`: the loss of the step's batch (use the step to pick it).
 * @param params - the starting point (copied, never changed).
 * @param optimizer - a factory from a learning-rate schedule to an optimizer, or an optimizer with learning rate 1.
 * @param options - `minLr`, `maxLr`, `steps`, `smoothing`, `divergeFactor`, `state`.
 * @returns the curve, the suggested learning rate with its rule, the minimum and the divergence point.
 *
 * @example
 * ```ts
 * import { adam } from '@downhill/optimizers';
 * const test = await lrRangeTest((p, step) => loss(p, batches[step % batches.length]), params, (lr) => adam(lr));
 * console.log(test.suggestion, test.rule);
 * ```
 *
 * Smith, "Cyclical learning rates for training neural networks" (2017); Howard and Gugger,
 * "fastai" (2020).
 */
export async function lrRangeTest<P, S>(
  loss: (params: P, step: number) => TensorLike,
  params: P,
  optimizer: OptimizerLike<S> | ((lr: (step: number) => number) => OptimizerLike<S>),
  options: LrRangeTestOptions<S> = {},
): Promise<LrRangeTest> {
  const where = 'lrRangeTest';
  checkOptions(options, ['minLr', 'maxLr', 'steps', 'smoothing', 'divergeFactor', 'state'], where);
  const { minLr = 1e-7, maxLr = 10, steps = 300, smoothing = 0.98, divergeFactor = 4 } = options;
  checkLoss(loss, where);
  if (!(minLr > 0 && maxLr > minLr && Number.isFinite(maxLr)))
    throw new InvalidArgumentError(`${where}: need 0 < minLr < maxLr < ∞, got minLr ${String(minLr)} and maxLr ${String(maxLr)}`);
  if (!Number.isInteger(steps) || steps < 2) throw new InvalidArgumentError(`${where}: steps must be an integer ≥ 2, got ${String(steps)}`);
  if (!(smoothing >= 0 && smoothing < 1)) throw new InvalidArgumentError(`${where}: smoothing must be in [0, 1), got ${String(smoothing)}`);
  if (!(divergeFactor > 1)) throw new InvalidArgumentError(`${where}: divergeFactor must be greater than 1, got ${String(divergeFactor)}`);
  const factory = typeof optimizer === 'function' ? optimizer : undefined;
  const object = optimizer as Partial<OptimizerLike<S>> | null;
  if (!factory && !(object && typeof object.init === 'function' && typeof object.update === 'function')) {
    throw new InvalidArgumentError(
      `${where}: optimizer must be { init, update } (learning rate 1) or a function from a learning rate to one, got ${optimizer === null ? 'null' : typeof optimizer}`,
    );
  }
  const { backend } = layoutOf(params, where);
  const lrAt = (t: number) => minLr * (maxLr / minLr) ** (t / (steps - 1));
  // The factory gets a schedule that reads the ramp's current value, whatever step count the
  // optimizer's state holds (a state passed in may be mid-training); made once, so its state,
  // injected hyperparameters included, carries through.
  let current = lrAt(0);
  const tx = factory ? factory(() => current) : (optimizer as OptimizerLike<S>);
  if (!tx || typeof tx.init !== 'function' || typeof tx.update !== 'function')
    throw new InvalidArgumentError(`${where}: the optimizer factory returned ${tx === null ? 'null' : typeof tx}, not { init, update }`);

  let p = (await copyTree(params)) as P;
  let state: S = options.state !== undefined ? ((await copyTree(options.state)) as S) : tx.init(p);
  const lrs: number[] = [];
  const losses: number[] = [];
  const smoothed: number[] = [];
  const vg = valueAndGrad(loss as (params: P, step: number) => TensorLike);
  let average = 0;
  let best = Infinity;
  let diverged = false;
  try {
    for (let t = 0; t < steps; t++) {
      const lr = lrAt(t);
      const [value, grads] = vg(p, t);
      const l = (await value.read())[0];
      backend.dispose(value);
      average = smoothing * average + (1 - smoothing) * l;
      const s = average / (1 - smoothing ** (t + 1));
      lrs.push(lr);
      losses.push(l);
      smoothed.push(s);
      best = Math.min(best, s);
      if (!Number.isFinite(l) || s > divergeFactor * best) {
        disposeTree(backend, grads);
        diverged = true;
        break;
      }
      current = lr;
      const [updates, next] = tx.update(grads, state, p);
      const moved = backend.scope(() =>
        mapTree(p, (leaf, path) => {
          const u = leafAt(updates, path) as Tensor;
          const x = leaf as Tensor;
          const step = factory ? u : backend.mul(u, lr);
          return backend.add(x, step.dtype === x.dtype ? step : backend.cast(step, x.dtype));
        }),
      ) as P;
      disposeTree(backend, grads);
      disposeTree(backend, updates);
      releaseStale(backend, state, next, moved);
      disposeTree(backend, p);
      p = moved;
      state = next;
    }
  } finally {
    releaseStale(backend, state, undefined, undefined);
    disposeTree(backend, p);
  }
  return summarize(lrs, losses, smoothed, diverged);
}

function summarize(lrs: number[], losses: number[], smoothed: number[], diverged: boolean): LrRangeTest {
  const last = smoothed.length - 1;
  let iMin = 0;
  for (let i = 0; i <= last; i++) if (smoothed[i] < smoothed[iMin]) iMin = i;
  // Steepest descent of the smoothed loss against log(lr), by central differences, before the minimum.
  let iSteep = 0;
  let slope = Infinity;
  // The first steps are skipped, as torch-lr-finder does (`skip_start=10`): the bias-corrected
  // average of a handful of noisy losses swings more than the trend.
  const first = Math.min(10, Math.max(1, iMin - 1));
  iSteep = first;
  for (let i = first; i < Math.max(iMin, first + 1) && i < last; i++) {
    const d = (smoothed[i + 1] - smoothed[i - 1]) / (Math.log(lrs[i + 1]) - Math.log(lrs[i - 1]));
    if (d < slope) {
      slope = d;
      iSteep = i;
    }
  }
  let divergence: LrRangeTest['divergence'];
  if (diverged) {
    const raw = losses.map((l) => (Number.isFinite(l) ? l : Infinity));
    let j = last;
    while (j > 0 && raw[j - 1] < raw[j]) j--;
    divergence = { lr: lrs[j], step: j };
  }
  return {
    lrs,
    losses,
    smoothed,
    suggestion: lrs[iSteep],
    rule: RULE,
    steepest: lrs[iSteep],
    minimum: { lr: lrs[iMin], loss: smoothed[iMin] },
    ...(divergence ? { divergence } : {}),
    diverged,
  };
}

function leafAt(tree: unknown, path: string): unknown {
  if (path === '') return tree;
  let node = tree as Record<string, unknown>;
  for (const part of path.split('.')) node = node?.[part] as Record<string, unknown>;
  return node;
}

/** A deep copy of a tree (parameters or optimizer state): tensors copied bit for bit through the host, other leaves kept. */
async function copyTree(tree: unknown): Promise<unknown> {
  const tensors: Tensor[] = [];
  mapTree(tree, (leaf) => (leaf instanceof Tensor ? tensors.push(leaf) : undefined));
  const copies = new Map<Tensor, Tensor>();
  for (const t of tensors) copies.set(t, t.backend.tensor(await t.read(), t.shape, t.dtype));
  return mapTree(tree, (leaf) => (leaf instanceof Tensor ? copies.get(leaf) : leaf));
}

/** Releases the tensors of `old` that neither `next` nor `params` still holds. */
function releaseStale(backend: Backend, old: unknown, next: unknown, params: unknown): void {
  const live = new Set<unknown>();
  for (const t of [next, params]) if (t !== undefined) mapTree(t, (leaf) => live.add(leaf));
  const stale: Tensor[] = [];
  mapTree(old, (leaf) => (leaf instanceof Tensor && !live.has(leaf) ? stale.push(leaf) : undefined));
  backend.dispose(stale);
}
