import { ops, type TensorLike } from '@downhill/autograd';
import { AvgPool, BatchNorm, Conv2D, Dense, Dropout, Flatten, MaxPool, Module, ReLU, Sequential } from '@downhill/layers';

/** The shape of the classifier. */
export interface MlpOptions {
  /** Input features (784 for MNIST). */
  readonly inputs: number;
  /** Hidden layer widths; empty gives a linear classifier. */
  readonly hidden: readonly number[];
  /** Classes (10 digits). */
  readonly classes: number;
  /** BatchNorm after each hidden Dense layer (the Dense layer then has no bias: BatchNorm's shift replaces it). */
  readonly batchnorm?: boolean;
  /** Dropout rate after each hidden layer's ReLU (0: no Dropout layer). */
  readonly dropout?: number;
}

/**
 * A multilayer perceptron: `[Dense(He normal) → (BatchNorm) → ReLU → (Dropout)] × hidden →
 * Dense(Glorot uniform)` giving logits. He initialization keeps the variance of activations
 * constant through ReLU layers (He et al. 2015); the output layer has no ReLU, so Glorot's
 * scaling suits it.
 *
 * Parameter names read as the layers do: `dense1.kernel`, `bn1.gamma`, ..., `out.kernel`.
 *
 * @returns the model, not yet initialized (`model.init(backend, { seed })`).
 */
export function mlp({ inputs, hidden, classes, batchnorm = false, dropout = 0 }: MlpOptions): Sequential {
  const layers: Record<string, Module> = {};
  let width = inputs;
  hidden.forEach((h, i) => {
    const k = i + 1;
    layers[`dense${k}`] = new Dense(width, h, { kernelInit: 'heNormal', useBias: !batchnorm });
    if (batchnorm) layers[`bn${k}`] = new BatchNorm(h);
    layers[`relu${k}`] = new ReLU();
    if (dropout > 0) layers[`dropout${k}`] = new Dropout(dropout);
    width = h;
  });
  layers.out = new Dense(width, classes, { kernelInit: 'glorotUniform' });
  return new Sequential(layers);
}

/** A one-line description of the architecture: `784 → 256 → 128 → 10 (ReLU, He normal)`; `784 → 10 (linear, Glorot uniform)` without hidden layers. */
export function describeMlp({ inputs, hidden, classes, batchnorm = false, dropout = 0 }: MlpOptions): string {
  const extras =
    hidden.length === 0
      ? ['linear, Glorot uniform']
      : [batchnorm ? 'BatchNorm' : '', 'ReLU', dropout > 0 ? `dropout ${dropout}` : '', 'He normal'];
  return `${[inputs, ...hidden, classes].join(' → ')} (${extras.filter(Boolean).join(', ')})`;
}

/** `[batch, 784]` → `[batch, 28, 28, 1]`: the flat pixels as a one-channel NHWC image, for the CNN. */
export class ToImage extends Module {
  forward(x: TensorLike): TensorLike {
    return ops.reshape(x, [-1, 28, 28, 1]);
  }
}

/** The shape of the convolutional classifier. */
export interface CnnOptions {
  /** Filters of the two conv blocks (default 32 and 64). */
  readonly channels: readonly [number, number];
  /** Width of the hidden Dense layer (default 128). */
  readonly dense?: number;
  /** Classes (10 digits). */
  readonly classes: number;
  /** BatchNorm after each convolution and the hidden Dense layer (their bias then dropped). */
  readonly batchnorm?: boolean;
  /** Dropout rate before the output layer (0: none). */
  readonly dropout?: number;
  /** `max` (default) or `avg` pooling after each conv block. */
  readonly pool?: 'avg' | 'max';
}

/**
 * A small CNN for 28×28 digits, two conv blocks then dense:
 * `[Conv2D 3×3 SAME → (BatchNorm) → ReLU → 2×2 pooling] × 2 → Flatten → Dense → (BatchNorm) → ReLU →
 * (Dropout) → Dense`, so `28×28×1 → 14×14×c₁ → 7×7×c₂ → dense → 10`. He-normal kernels before
 * ReLU (the fans count the 3×3 window), Glorot uniform for the logits.
 *
 * Pooling takes the maximum by default (`MaxPool`; `pool: 'avg'` averages, as LeNet-5 did). The
 * gradient of a windowed max routes each window's cotangent to its maximum through the backend's
 * `windowArgmax` (a direct kernel on backend-cpu), so a step with max pooling costs about a quarter
 * more CPU than with average pooling (about 360 against 280 ms at batch 128).
 *
 * Parameter names: `conv1.kernel` `[3, 3, 1, c₁]`, `conv2.kernel`, `bn1.gamma`, `dense.kernel`, `out.kernel`, ...
 *
 * @returns the model, not yet initialized (`model.init(backend, { seed })`).
 */
export function cnn({ channels: [c1, c2], dense = 128, classes, batchnorm = false, dropout = 0, pool = 'max' }: CnnOptions): Sequential {
  const pooling = () => (pool === 'max' ? new MaxPool(2) : new AvgPool(2));
  const conv = (cin: number, cout: number) => new Conv2D(cin, cout, 3, { padding: 'SAME', kernelInit: 'heNormal', useBias: !batchnorm });
  const layers: Record<string, Module> = { image: new ToImage(), conv1: conv(1, c1) };
  if (batchnorm) layers.bn1 = new BatchNorm(c1);
  Object.assign(layers, { relu1: new ReLU(), pool1: pooling(), conv2: conv(c1, c2) });
  if (batchnorm) layers.bn2 = new BatchNorm(c2);
  Object.assign(layers, {
    relu2: new ReLU(),
    pool2: pooling(),
    flatten: new Flatten(),
    dense: new Dense(7 * 7 * c2, dense, { kernelInit: 'heNormal', useBias: !batchnorm }),
  });
  if (batchnorm) layers.bn3 = new BatchNorm(dense);
  layers.relu3 = new ReLU();
  if (dropout > 0) layers.dropout = new Dropout(dropout);
  layers.out = new Dense(dense, classes, { kernelInit: 'glorotUniform' });
  return new Sequential(layers);
}

/** `28×28×1 → conv 3×3 32 → max pool 2 → conv 3×3 64 → max pool 2 → 128 → 10 (ReLU, He normal)`. */
export function describeCnn({
  channels: [c1, c2],
  dense = 128,
  classes,
  batchnorm = false,
  dropout = 0,
  pool = 'max',
}: CnnOptions): string {
  const extras = [batchnorm ? 'BatchNorm' : '', 'ReLU', dropout > 0 ? `dropout ${dropout}` : '', 'He normal'];
  return `28×28×1 → conv 3×3 ${c1} → ${pool} pool 2 → conv 3×3 ${c2} → ${pool} pool 2 → ${dense} → ${classes} (${extras.filter(Boolean).join(', ')})`;
}

/** Which classifier a run trains: its kind and the sizes the command line gives. */
export interface ModelChoice {
  /** `mlp` (default) or `cnn`. */
  readonly model?: 'mlp' | 'cnn';
  /** MLP: the hidden widths; CNN: one width, the hidden Dense layer's. */
  readonly hidden: readonly number[];
  /** CNN: the filters of the two conv blocks. */
  readonly channels?: readonly number[];
  /** CNN: `max` (default) or `avg` pooling. */
  readonly pool?: 'avg' | 'max';
  readonly batchnorm: boolean;
  readonly dropout: number;
}

/** The CNN's options from a {@link ModelChoice} (defaults: channels 32, 64; dense 128). */
function cnnOptions({ hidden, channels, pool, batchnorm, dropout }: ModelChoice): CnnOptions {
  const [c1 = 32, c2 = 64] = channels ?? [];
  return { channels: [c1, c2], dense: hidden[0] ?? 128, classes: 10, batchnorm, dropout, pool };
}

/** Builds the model a run trains on 784-pixel inputs (not yet initialized). */
export function buildModel(choice: ModelChoice): Sequential {
  return choice.model === 'cnn'
    ? cnn(cnnOptions(choice))
    : mlp({ inputs: 784, hidden: choice.hidden, classes: 10, batchnorm: choice.batchnorm, dropout: choice.dropout });
}

/** The one-line description of the model a run trains. */
export function describeModel(choice: ModelChoice): string {
  return choice.model === 'cnn'
    ? describeCnn(cnnOptions(choice))
    : describeMlp({ inputs: 784, hidden: choice.hidden, classes: 10, batchnorm: choice.batchnorm, dropout: choice.dropout });
}
