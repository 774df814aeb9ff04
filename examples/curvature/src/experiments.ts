import { valueAndGrad } from '@downhill/autograd';
import type { Backend, Tensor } from '@downhill/backend';
import {
  gradientNoiseScale,
  hessianSpectralDensity,
  hessianTopEigenvalue,
  lossAlongLine,
  lossPlane,
  lrRangeTest,
  projectOntoPlane,
  trajectoryDirections,
  type GradientNoiseScale,
  type LrRangeTest,
  type SpectralDensity,
} from '@downhill/curvature';
import type { Rng } from '@downhill/initializers';
import { sgd } from '@downhill/optimizers';
import type { Subset } from './data.js';
import { squaredLoss, type Params } from './model.js';

/** The sizes of a run: the default run and the short one the test uses. */
export interface Config {
  /** Training examples (the first n of MNIST). */
  readonly examples: number;
  /** Hidden units of the MLP. */
  readonly hidden: number;
  /** Full-batch gradient descent learning rates, one run each. */
  readonly lrs: readonly number[];
  /** Steps of each run. */
  readonly steps: number;
  /** Sharpness (top Hessian eigenvalue) every this many steps. */
  readonly sharpnessEvery: number;
  /** Gradient noise scale every this many steps. */
  readonly noiseEvery: number;
  /** Stochastic Lanczos quadrature: runs and Lanczos steps. */
  readonly density: { readonly runs: number; readonly iterations: number };
  /** Learning-rate range test steps. */
  readonly rangeSteps: number;
  /** Loss landscape grid points per side. */
  readonly resolution: number;
  /** Multiplier of the output layer's initial kernel (small outputs at initialization give clear progressive sharpening). */
  readonly outputScale: number;
}

/** One full-batch gradient descent run. */
export interface GdRun {
  readonly lr: number;
  /** The loss at every step. */
  readonly losses: number[];
  /** `[step, sharpness]` every `sharpnessEvery` steps. */
  readonly sharpness: [number, number][];
  /** The mean sharpness over the last 40% of the steps, against `2/lr`. */
  readonly settled: number;
  /** The gradient noise scale over training. */
  readonly noise: { step: number; scale: GradientNoiseScale }[];
}

/** A squared-loss closure over a subset. */
export function fullBatchLoss(data: Subset) {
  return (p: Params) => squaredLoss(p, data.x, data.y);
}

function sgdStep(b: Backend, params: Params<Tensor>, grads: Params<Tensor>, lr: number): Params<Tensor> {
  return b.scope(() => ({
    hidden: {
      kernel: b.sub(params.hidden.kernel, b.mul(grads.hidden.kernel, lr)),
      bias: b.sub(params.hidden.bias, b.mul(grads.hidden.bias, lr)),
    },
    out: { kernel: b.sub(params.out.kernel, b.mul(grads.out.kernel, lr)), bias: b.sub(params.out.bias, b.mul(grads.out.bias, lr)) },
  }));
}

/** Batches of `size` examples drawn with replacement from the subset. */
export function drawBatches(b: Backend, data: Subset, size: number, count: number, key: Rng): { x: Tensor; y: Tensor }[] {
  return Array.from({ length: count }, (_, i) => {
    const idx = Array.from(key.fold(i).uniform(size), (u) => Math.floor(u * data.n));
    const x = new Float32Array(size * 196);
    const y = new Float32Array(size * 10);
    idx.forEach((k, r) => {
      x.set(data.hostX.subarray(k * 196, (k + 1) * 196), r * 196);
      y.set(data.hostY.subarray(k * 10, (k + 1) * 10), r * 10);
    });
    return { x: b.tensor(x, [size, 196], 'float32'), y: b.tensor(y, [size, 10], 'float32') };
  });
}

/**
 * Full-batch gradient descent at `lr` from `init`: the loss every step, the sharpness by power
 * iteration (warm-started from the last eigenvector) every few steps, the gradient noise scale
 * now and then, and (when `keepPath`) snapshots of the parameters for the landscape.
 */
export async function gradientDescent(
  b: Backend,
  data: Subset,
  init: Params<Tensor>,
  lr: number,
  config: Config,
  key: Rng,
  onProgress: (step: number, sharpness?: number) => void,
  keepPath = false,
): Promise<{ run: GdRun; final: Params<Tensor>; path: Params<Tensor>[] }> {
  const loss = fullBatchLoss(data);
  const vg = valueAndGrad(loss);
  let params = init;
  let vector: Params<Tensor> | undefined;
  const losses: number[] = [];
  const sharpness: [number, number][] = [];
  const noise: GdRun['noise'] = [];
  const path: Params<Tensor>[] = [];
  const copy = (p: Params<Tensor>) =>
    b.scope(() => ({
      hidden: { kernel: b.mul(p.hidden.kernel, 1), bias: b.mul(p.hidden.bias, 1) },
      out: { kernel: b.mul(p.out.kernel, 1), bias: b.mul(p.out.bias, 1) },
    }));
  for (let t = 0; t <= config.steps; t++) {
    let s: number | undefined;
    if (t % config.sharpnessEvery === 0) {
      const top = await hessianTopEigenvalue(loss, params, { init: vector, tolerance: 1e-4, maxIterations: 40, key: key.fold('power') });
      if (vector) b.dispose(vector);
      vector = top.vector;
      s = top.value;
      sharpness.push([t, s]);
    }
    if (t % config.noiseEvery === 0) {
      const k = key.fold('noise').fold(t);
      const small = drawBatches(b, data, 16, 64, k.fold('small'));
      const big = drawBatches(b, data, 256, 32, k.fold('big'));
      const scale = await gradientNoiseScale((p: Params, batch: { x: Tensor; y: Tensor }) => squaredLoss(p, batch.x, batch.y), params, {
        small: { batchSize: 16, batches: small },
        big: { batchSize: 256, batches: big },
      });
      noise.push({ step: t, scale });
      b.dispose([...small, ...big]);
    }
    if (keepPath && t % Math.max(1, Math.floor(config.steps / 40)) === 0) path.push(copy(params));
    onProgress(t, s);
    const [value, grads] = vg(params);
    losses.push((await value.read())[0]);
    if (t === config.steps) {
      b.dispose([value, grads]);
      break;
    }
    const next = sgdStep(b, params, grads, lr);
    b.dispose([value, grads]);
    if (params !== init) b.dispose(params);
    params = next;
  }
  if (vector) b.dispose(vector);
  const tail = sharpness.filter(([t]) => t >= 0.6 * config.steps).map(([, v]) => v);
  const settled = tail.reduce((a, c) => a + c, 0) / tail.length;
  return { run: { lr, losses, sharpness, settled, noise }, final: params, path };
}

/** The eigenvalue density at a point. */
export function density(data: Subset, params: Params<Tensor>, config: Config, key: Rng): Promise<SpectralDensity> {
  return hessianSpectralDensity(fullBatchLoss(data), params, { ...config.density, gridSize: 600, key });
}

/** The learning-rate range test of minibatch SGD (batches of 64) from the initialization. */
export async function rangeTest(b: Backend, data: Subset, init: Params<Tensor>, config: Config, key: Rng): Promise<LrRangeTest> {
  const batches = drawBatches(b, data, 64, config.rangeSteps, key);
  try {
    return await lrRangeTest((p: Params, step: number) => squaredLoss(p, batches[step].x, batches[step].y), init, sgd(1), {
      minLr: 1e-3,
      maxLr: 10,
      steps: config.rangeSteps,
    });
  } finally {
    b.dispose(batches);
  }
}

/** The loss over the plane of the training path's two principal directions, centred at its end, with the path on it; and the loss on the line from start to end. */
export async function landscape(data: Subset, path: Params<Tensor>[], final: Params<Tensor>, config: Config) {
  const loss = fullBatchLoss(data);
  const { directions, explained } = await trajectoryDirections(path, { center: final });
  const coords = await projectOntoPlane(path, final, directions);
  const span = (xs: number[]) => {
    const lo = Math.min(...xs, 0);
    const hi = Math.max(...xs, 0);
    const pad = 0.25 * (hi - lo || 1);
    return [lo - pad, hi + pad] as [number, number];
  };
  const plane = await lossPlane(loss, final, {
    directions,
    xRange: span(coords.map((c) => c.x)),
    yRange: span(coords.map((c) => c.y)),
    resolution: config.resolution,
  });
  const line = await lossAlongLine(loss, path[0], final, { points: 31, range: [-0.25, 1.25] });
  final.hidden.kernel.backend.dispose(directions);
  return { plane, coords, explained, line };
}
