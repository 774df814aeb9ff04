import type { Module } from '@downhill/layers';
import { BatchNorm, Dense, Dropout, ReLU, Sequential } from '@downhill/layers';

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
