// Test fixtures and independent references: a cyclic Jacobi eigensolver for dense symmetric
// matrices (in float64, unrelated to the QL iteration the package uses), small models whose dense
// Hessian autograd's `hessian` can form, and quadratics with a known spectrum.
import { hessian, ops, type TensorLike } from '@downhill/autograd';
import type { Backend, DType, Tensor } from '@downhill/backend';
import { rng } from '@downhill/initializers';

/** Eigenvalues (ascending) and eigenvectors (columns of `vectors`, row-major n×n) by cyclic Jacobi rotations. */
export function jacobiEigen(matrix: ArrayLike<number>, n: number): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[x * n + x] - a[y * n + y]);
  const vectors = new Float64Array(n * n);
  order.forEach((col, j) => {
    for (let k = 0; k < n; k++) vectors[k * n + j] = v[k * n + col];
  });
  return { values: order.map((i) => a[i * n + i]), vectors };
}

/** A tiny MLP classifier (tanh hidden layer, softmax cross-entropy) with its parameters as a tree. */
export interface SmallModel {
  readonly params: { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };
  readonly loss: (p: { w1: TensorLike; b1: TensorLike; w2: TensorLike; b2: TensorLike }) => TensorLike;
  /** The same loss as a function of one flat vector (the leaves concatenated in tree order). */
  readonly flatLoss: (theta: TensorLike) => TensorLike;
  readonly n: number;
}

/** A 3-4-3 MLP on 12 points (n = 31 parameters) by default, weights and data from a seeded key; `decay` adds (decay/2)·‖θ‖². */
export function smallModel(
  b: Backend,
  dtype: DType = 'float64',
  {
    seed = 3,
    sizes = [3, 4, 3],
    examples = 12,
    decay = 0,
  }: { seed?: number; sizes?: [number, number, number]; examples?: number; decay?: number } = {},
): SmallModel {
  const [i, h, o] = sizes;
  const key = rng(seed);
  const params = {
    w1: b.tensor(key.fold('w1').normal(i * h, { std: 0.8 }), [i, h], dtype),
    b1: b.tensor(key.fold('b1').normal(h, { std: 0.2 }), [h], dtype),
    w2: b.tensor(key.fold('w2').normal(h * o, { std: 0.8 }), [h, o], dtype),
    b2: b.tensor(key.fold('b2').normal(o, { std: 0.2 }), [o], dtype),
  };
  const x = b.tensor(key.fold('x').normal(examples * i), [examples, i], dtype);
  const labels = b.tensor(
    Array.from({ length: examples }, (_, k) => (k * 7 + 1) % o),
    [examples],
    'int32',
  );
  const loss: SmallModel['loss'] = (p) => {
    const logits = ops.add(ops.matmul(ops.tanh(ops.add(ops.matmul(x, p.w1), p.b1)), p.w2), p.b2);
    const onehot = ops.oneHot(labels, o, { dtype });
    const ce = ops.neg(ops.mean(ops.sum(ops.mul(onehot, ops.logSoftmax(logits)), -1)));
    if (decay === 0) return ce;
    const l2 = [p.w1, p.b1, p.w2, p.b2].map((t) => ops.sum(ops.square(t))).reduce((a, c) => ops.add(a, c));
    return ops.add(ce, ops.mul(l2, decay / 2));
  };
  const sizesOf = [i * h, h, h * o, o];
  const offsets = [0, i * h, i * h + h, i * h + h + h * o];
  const flatLoss = (theta: TensorLike) =>
    loss({
      w1: ops.reshape(ops.slice(theta, [offsets[0]], [sizesOf[0]]), [i, h]),
      b1: ops.slice(theta, [offsets[1]], [sizesOf[1]]),
      w2: ops.reshape(ops.slice(theta, [offsets[2]], [sizesOf[2]]), [h, o]),
      b2: ops.slice(theta, [offsets[3]], [sizesOf[3]]),
    });
  return { params, loss, flatLoss, n: sizesOf.reduce((a, c) => a + c, 0) };
}

/** The dense Hessian (row-major n×n float64 numbers) of a model at its parameters, by autograd's `hessian`. */
export async function denseHessian(b: Backend, model: SmallModel): Promise<Float64Array> {
  const parts = await Promise.all([model.params.w1, model.params.b1, model.params.w2, model.params.b2].map((t) => t.read()));
  const flat = b.tensor(
    parts.flatMap((p) => Array.from(p)),
    [model.n],
    model.params.w1.dtype,
  );
  const h = hessian(model.flatLoss, flat);
  const out = Float64Array.from(await h.read());
  b.dispose([flat, h]);
  return out;
}

/** A symmetric matrix Q·diag(λ)·Qᵀ with a random orthogonal Q (Gram–Schmidt of normal columns), row-major. */
export function withSpectrum(lambdas: readonly number[], seed = 0): Float64Array {
  const n = lambdas.length;
  const key = rng(seed);
  const q: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const v = key.fold(j).normal(n);
    for (const u of q) {
      let d = 0;
      for (let i = 0; i < n; i++) d += u[i] * v[i];
      for (let i = 0; i < n; i++) v[i] -= d * u[i];
    }
    const s = Math.hypot(...v);
    q.push(v.map((x) => x / s));
  }
  const a = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) for (let k = 0; k < n; k++) a[r * n + c] += q[k][r] * lambdas[k] * q[k][c];
  return a;
}

/** The quadratic ½·θᵀAθ over a tree { a: [rows, 2], b: [rest] } holding n = rows·2 + rest numbers. */
export function quadratic(b: Backend, matrix: Float64Array, n: number, dtype: DType = 'float64', seed = 1) {
  const rows = Math.floor(n / 4);
  const rest = n - rows * 2;
  const key = rng(seed);
  const A = b.tensor(matrix, [n, n], dtype);
  const params = { a: b.tensor(key.fold('a').normal(rows * 2), [rows, 2], dtype), b: b.tensor(key.fold('b').normal(rest), [rest], dtype) };
  const loss = (p: { a: TensorLike; b: TensorLike }) => {
    const theta = ops.reshape(ops.concat([ops.reshape(p.a, [rows * 2]), p.b], 0), [n, 1]);
    return ops.mul(ops.sum(ops.mul(theta, ops.matmul(A, theta))), 0.5);
  };
  return { params, loss, A };
}

/** Reads every leaf of a tree in key order into one array. */
export async function readTree(tree: Record<string, Tensor>): Promise<number[]> {
  const out: number[] = [];
  for (const k of Object.keys(tree)) out.push(...Array.from(await tree[k].read()));
  return out;
}
