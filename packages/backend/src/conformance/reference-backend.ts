import type { Backend, Capabilities } from '../backend.js';
import { defineBackend } from '../define-backend.js';
import { allocateTyped, type DType, type TypedArray } from '../dtype.js';
import { InvalidArgumentError, fmtShape } from '../errors.js';
import type { ConvParams } from '../conv.js';
import type { Kernels } from '../kernels.js';
import type { ReduceWindowOp, ReduceWindowParams } from '../reduce-window.js';
import type { ArgReduceOp, BinaryOp, CompareOp, ReduceOp, UnaryOp } from '../ops.js';
import { sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { BINARY_REFERENCE, UNARY_REFERENCE } from './program-reference.js';

/*
 * The conformance suite's reference: every primitive of the interface written once more, as plain
 * float64 JavaScript over typed arrays, for clarity and nothing else. Every output element is
 * computed from the definition (a multi-index walk, no strides merged, no blocking, no SIMD, no
 * WebAssembly, nothing shared with any backend) in float64 and rounded once into the output dtype.
 * It is slow and meant for the small tensors of the suite.
 */

type Storage = TypedArray;
const dataOf = (t: Tensor): Storage => t.storage as Storage;

/** Row-major strides of `shape`. */
function strides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** The multi-index of flat position `k` in `shape`. */
function unravel(k: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = k % shape[i];
    k = Math.floor(k / shape[i]);
  }
  return idx;
}

/** The flat position in `shape` of the element that `idx` (an index of `out`, right-aligned) reads under NumPy broadcasting. */
function broadcastOffset(idx: readonly number[], shape: Shape): number {
  const st = strides(shape);
  const off = idx.length - shape.length;
  let p = 0;
  for (let i = 0; i < shape.length; i++) if (shape[i] !== 1) p += idx[i + off] * st[i];
  return p;
}

/** Stores float64 `values` into a new array of `dtype` (rounding to float32, wrapping to int32, bool as 0/1). */
function store(dtype: DType, values: ArrayLike<number>): Storage {
  const out = allocateTyped(dtype, values.length);
  for (let i = 0; i < values.length; i++) out[i] = dtype === 'bool' ? (values[i] !== 0 ? 1 : 0) : values[i];
  return out;
}

/** int32 arithmetic wraps like two's complement; float64 products of int32 values can exceed 2⁵³, so multiply with `Math.imul`. */
function intBinary(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case 'mul':
      return Math.imul(a, b);
    case 'add':
      return (a + b) | 0;
    case 'sub':
      return (a - b) | 0;
    default:
      return BINARY_REFERENCE[op](a, b);
  }
}

/** Round half to even, keeping the sign of zero (`round(−0.4) = −0`, as NumPy). */
function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const d = x - f;
  const r = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
}

/** The unary math: the program reference's, with the sign of zero kept by `round`. */
const UNARY: Readonly<Record<UnaryOp, (x: number) => number>> = { ...UNARY_REFERENCE, round: roundHalfEven };

const COMPARE: Readonly<Record<CompareOp, (a: number, b: number) => boolean>> = {
  equal: (a, b) => a === b,
  notEqual: (a, b) => a !== b,
  less: (a, b) => a < b,
  lessEqual: (a, b) => a <= b,
  greater: (a, b) => a > b,
  greaterEqual: (a, b) => a >= b,
};

/**
 * `x` as `dtype` stores it: floats round (float32) or stay; int32 truncates toward zero, saturates
 * out of range (±∞ included) and takes NaN to 0 (XLA's convert); bool is `x ≠ 0` (NaN is true).
 */
function convert(x: number, dtype: DType): number {
  if (dtype === 'bool') return x !== 0 ? 1 : 0;
  if (dtype === 'int32') return Number.isNaN(x) ? 0 : Math.min(2147483647, Math.max(-2147483648, Math.trunc(x)));
  return x;
}

/** Throws unless every index is in `[0, size)`. */
function checkIndices(where: string, idx: Storage, size: number, axis: number, of: Shape): void {
  for (let q = 0; q < idx.length; q++) {
    if (!(idx[q] >= 0 && idx[q] < size)) {
      throw new InvalidArgumentError(
        `reference.${where}: index ${idx[q]} (entry ${q}) is out of range for axis ${axis} of size ${size} in shape ${fmtShape(of)}`,
      );
    }
  }
}

/**
 * The reference kernels: float64 JavaScript from the definitions of the interface (see
 * {@link referenceBackend}).
 */
class ReferenceKernels implements Kernels {
  readonly name = 'reference';
  readonly capabilities: Capabilities = Object.freeze({ float64: true, syncRead: true, programs: false, inPlace: false });

  fromData(data: TypedArray): Storage {
    return data;
  }
  fill(shape: Shape, value: number, dtype: DType): Storage {
    return store(dtype, new Array<number>(sizeOf(shape)).fill(convert(value, dtype)));
  }
  unary(op: UnaryOp, x: Tensor): Storage {
    const a = dataOf(x);
    const f = UNARY[op];
    const out = new Array<number>(a.length);
    for (let i = 0; i < a.length; i++) out[i] = x.dtype === 'int32' ? f(a[i]) | 0 : f(a[i]);
    if (x.dtype === 'int32' && op === 'square') for (let i = 0; i < a.length; i++) out[i] = Math.imul(a[i], a[i]);
    return store(x.dtype, out);
  }
  private elementwise(outShape: Shape, dtype: DType, operands: readonly Tensor[], f: (values: number[]) => number): Storage {
    const n = sizeOf(outShape);
    const out = new Array<number>(n);
    for (let k = 0; k < n; k++) {
      const idx = unravel(k, outShape);
      out[k] = f(operands.map((t) => dataOf(t)[broadcastOffset(idx, t.shape)]));
    }
    return store(dtype, out);
  }
  binary(op: BinaryOp, a: Tensor, b: Tensor, outShape: Shape): Storage {
    const f = a.dtype === 'int32' ? (x: number, y: number) => intBinary(op, x, y) : BINARY_REFERENCE[op];
    return this.elementwise(outShape, a.dtype, [a, b], ([x, y]) => f(x, y));
  }
  compare(op: CompareOp, a: Tensor, b: Tensor, outShape: Shape): Storage {
    return this.elementwise(outShape, 'bool', [a, b], ([x, y]) => (COMPARE[op](x, y) ? 1 : 0));
  }
  where(cond: Tensor, a: Tensor, b: Tensor, outShape: Shape): Storage {
    return this.elementwise(outShape, a.dtype, [cond, a, b], ([c, x, y]) => (c !== 0 ? x : y));
  }
  cast(x: Tensor, dtype: DType): Storage {
    return store(
      dtype,
      Array.from(dataOf(x), (v) => convert(v, dtype)),
    );
  }
  reduce(op: ReduceOp, x: Tensor, axes: readonly number[], outShape: Shape): Storage {
    const a = dataOf(x);
    const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const keptShape = kept.map((i) => x.shape[i]);
    const m = sizeOf(keptShape);
    const acc = new Array<number>(m).fill(op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity);
    for (let k = 0; k < a.length; k++) {
      const idx = unravel(k, x.shape);
      let q = 0;
      for (const i of kept) q = q * x.shape[i] + idx[i];
      const v = a[k];
      if (op === 'sum') acc[q] += v;
      else if (Number.isNaN(acc[q]) || Number.isNaN(v)) acc[q] = NaN;
      else acc[q] = op === 'max' ? Math.max(acc[q], v) : Math.min(acc[q], v);
    }
    if (sizeOf(outShape) !== m) throw new Error(`reference.reduce: output shape ${fmtShape(outShape)} does not hold ${m} values`);
    return store(x.dtype, x.dtype === 'int32' ? acc.map((v) => v | 0) : acc);
  }
  argReduce(op: ArgReduceOp, x: Tensor, axis: number, outShape: Shape): Storage {
    const a = dataOf(x);
    const n = sizeOf(outShape);
    const out = new Array<number>(n);
    const st = strides(x.shape);
    const rest = x.shape.filter((_, i) => i !== axis);
    for (let k = 0; k < n; k++) {
      const r = unravel(k, rest);
      let base = 0;
      for (let i = 0, j = 0; i < x.shape.length; i++) if (i !== axis) base += r[j++] * st[i];
      let best = 0;
      for (let j = 1; j < x.shape[axis]; j++) {
        const v = a[base + j * st[axis]];
        const b = a[base + best * st[axis]];
        if (Number.isNaN(b)) break; // the first NaN is the extreme
        if (Number.isNaN(v) || (op === 'argmax' ? v > b : v < b)) best = j;
      }
      out[k] = best;
    }
    return store('int32', out);
  }
  reshape(x: Tensor): Storage {
    return dataOf(x).slice();
  }
  transpose(x: Tensor, perm: readonly number[], outShape: Shape): Storage {
    const a = dataOf(x);
    const st = strides(x.shape);
    const out = new Array<number>(a.length);
    for (let k = 0; k < out.length; k++) {
      const idx = unravel(k, outShape);
      let p = 0;
      for (let i = 0; i < idx.length; i++) p += idx[i] * st[perm[i]];
      out[k] = a[p];
    }
    return store(x.dtype, out);
  }
  broadcastTo(x: Tensor, shape: Shape): Storage {
    return this.elementwise(shape, x.dtype, [x], ([v]) => v);
  }
  slice(x: Tensor, begin: readonly number[], size: readonly number[]): Storage {
    const a = dataOf(x);
    const st = strides(x.shape);
    const out = new Array<number>(sizeOf(size));
    for (let k = 0; k < out.length; k++) {
      const idx = unravel(k, size);
      let p = 0;
      for (let i = 0; i < idx.length; i++) p += (idx[i] + begin[i]) * st[i];
      out[k] = a[p];
    }
    return store(x.dtype, out);
  }
  pad(x: Tensor, paddings: readonly (readonly [number, number])[], value: number, outShape: Shape): Storage {
    const a = dataOf(x);
    const st = strides(x.shape);
    const out = new Array<number>(sizeOf(outShape));
    for (let k = 0; k < out.length; k++) {
      const idx = unravel(k, outShape);
      let p = 0;
      let inside = true;
      for (let i = 0; i < idx.length; i++) {
        const j = idx[i] - paddings[i][0];
        if (j < 0 || j >= x.shape[i]) inside = false;
        p += j * st[i];
      }
      out[k] = inside ? a[p] : convert(value, x.dtype);
    }
    return store(x.dtype, out);
  }
  concat(xs: readonly Tensor[], axis: number, outShape: Shape): Storage {
    const out = new Array<number>(sizeOf(outShape));
    for (let k = 0; k < out.length; k++) {
      const idx = unravel(k, outShape);
      let j = idx[axis];
      let t = 0;
      while (j >= xs[t].shape[axis]) j -= xs[t++].shape[axis];
      const src = [...idx];
      src[axis] = j;
      const st = strides(xs[t].shape);
      out[k] = dataOf(xs[t])[src.reduce((p, v, i) => p + v * st[i], 0)];
    }
    return store(xs[0].dtype, out);
  }
  gather(x: Tensor, indices: Tensor, axis: number, outShape: Shape): Storage {
    const a = dataOf(x);
    const idx = dataOf(indices);
    checkIndices('gather', idx, x.shape[axis], axis, x.shape);
    const st = strides(x.shape);
    const ist = strides(indices.shape);
    const r = indices.shape.length;
    const out = new Array<number>(sizeOf(outShape));
    for (let k = 0; k < out.length; k++) {
      const o = unravel(k, outShape); // [x axes before, index axes, x axes after]
      let q = 0;
      for (let i = 0; i < r; i++) q += o[axis + i] * ist[i];
      let p = 0;
      for (let i = 0; i < x.shape.length; i++) p += (i < axis ? o[i] : i === axis ? idx[q] : o[i - 1 + r]) * st[i];
      out[k] = a[p];
    }
    return store(x.dtype, out);
  }
  scatterAdd(updates: Tensor, indices: Tensor, axis: number, outShape: Shape): Storage {
    const u = dataOf(updates);
    const idx = dataOf(indices);
    checkIndices('scatterAdd', idx, outShape[axis], axis, outShape);
    const st = strides(outShape);
    const ist = strides(indices.shape);
    const r = indices.shape.length;
    const acc = new Array<number>(sizeOf(outShape)).fill(0);
    for (let k = 0; k < u.length; k++) {
      const o = unravel(k, updates.shape); // [out axes before, index axes, out axes after]
      let q = 0;
      for (let i = 0; i < r; i++) q += o[axis + i] * ist[i];
      let p = 0;
      for (let i = 0; i < outShape.length; i++) p += (i < axis ? o[i] : i === axis ? idx[q] : o[i - 1 + r]) * st[i];
      acc[p] += u[k];
    }
    return store(updates.dtype, updates.dtype === 'int32' ? acc.map((v) => v | 0) : acc);
  }
  matmul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, outShape: Shape): Storage {
    const A = dataOf(a);
    const B = dataOf(b);
    const r = outShape.length;
    const K = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
    const stA = strides(a.shape);
    const stB = strides(b.shape);
    const out = new Array<number>(sizeOf(outShape));
    for (let k = 0; k < out.length; k++) {
      const idx = unravel(k, outShape);
      const [i, j] = [idx[r - 2], idx[r - 1]];
      const batch = idx.slice(0, r - 2);
      // The batch offsets of A and B under broadcasting of their leading axes.
      const offA = batchBase(batch, a.shape);
      const offB = batchBase(batch, b.shape);
      let s = 0;
      for (let t = 0; t < K; t++) {
        const av = A[offA + (transposeA ? t * stA[a.shape.length - 2] + i : i * stA[a.shape.length - 2] + t)];
        const bv = B[offB + (transposeB ? j * stB[b.shape.length - 2] + t : t * stB[b.shape.length - 2] + j)];
        s += av * bv;
      }
      out[k] = s;
    }
    return store(a.dtype, out);
  }
  conv(lhs: Tensor, rhs: Tensor, p: ConvParams, outShape: Shape): Storage {
    // out[n, o, f] = Σ_k Σ_i lhs[b·N/B + n, (o·s + k·r − lo)/l, g·C/G + i] · rhs[k, i, f], reading
    // zero where the position is not an integer in range (padding and dilation holes).
    const X = dataOf(lhs);
    const W = dataOf(rhs);
    const d = lhs.shape.length - 2;
    const stX = strides(lhs.shape);
    const stW = strides(rhs.shape);
    const window = rhs.shape.slice(0, d);
    const [I, O] = [rhs.shape[d], rhs.shape[d + 1]];
    const Nb = outShape[0];
    const perG = O / p.featureGroupCount;
    const perB = O / p.batchGroupCount;
    const taps = sizeOf(window);
    const out = new Array<number>(sizeOf(outShape));
    for (let q = 0; q < out.length; q++) {
      const idx = unravel(q, outShape);
      const f = idx[d + 1];
      const n = Math.floor(f / perB) * Nb + idx[0];
      const c0 = Math.floor(f / perG) * I;
      let s = 0;
      for (let t = 0; t < taps; t++) {
        const k = unravel(t, window);
        let at = n * stX[0];
        for (let a = 0; a < d && at >= 0; a++) {
          const pos = idx[a + 1] * p.strides[a] + k[a] * p.rhsDilation[a] - p.padding[a][0];
          const j = pos / p.lhsDilation[a];
          at = pos < 0 || !Number.isInteger(j) || j >= lhs.shape[a + 1] ? -1 : at + j * stX[a + 1];
        }
        if (at < 0) continue;
        let w = 0;
        for (let a = 0; a < d; a++) w += k[a] * stW[a];
        for (let i = 0; i < I; i++) s += X[at + c0 + i] * W[w + i * stW[d] + f];
      }
      out[q] = s;
    }
    return store(lhs.dtype, out);
  }
  reduceWindow(op: ReduceWindowOp, x: Tensor, p: ReduceWindowParams, outShape: Shape): Storage {
    const X = dataOf(x);
    const r = x.shape.length;
    const st = strides(x.shape);
    const taps = sizeOf(p.windowShape);
    const out = new Array<number>(sizeOf(outShape));
    for (let q = 0; q < out.length; q++) {
      const o = unravel(q, outShape);
      let acc = op === 'sum' ? 0 : Number.NEGATIVE_INFINITY;
      for (let t = 0; t < taps; t++) {
        const k = unravel(t, p.windowShape);
        let at = 0;
        for (let a = 0; a < r && at >= 0; a++) {
          const pos = o[a] * p.strides[a] + k[a] * p.rhsDilation[a] - p.padding[a][0];
          const j = pos / p.lhsDilation[a];
          at = pos < 0 || !Number.isInteger(j) || j >= x.shape[a] ? -1 : at + j * st[a];
        }
        // Padding and holes hold the identity; NaN propagates through max as through sum.
        if (at < 0) continue;
        const v = X[at];
        acc = op === 'sum' ? acc + v : Number.isNaN(v) || Number.isNaN(acc) ? Number.NaN : Math.max(acc, v);
      }
      out[q] = acc;
    }
    return store(x.dtype, out);
  }
  read(x: Tensor): Promise<TypedArray> {
    return Promise.resolve(dataOf(x).slice());
  }
  readSync(x: Tensor): TypedArray {
    return dataOf(x).slice();
  }
  release(): void {}
}

/** The flat offset of the matrix at batch index `batch` (of the output) in a tensor of `shape` (broadcast leading axes). */
function batchBase(batch: readonly number[], shape: Shape): number {
  const lead = shape.slice(0, -2);
  const matrix = shape[shape.length - 2] * shape[shape.length - 1];
  const st = strides(lead);
  const off = batch.length - lead.length;
  let p = 0;
  for (let i = 0; i < lead.length; i++) if (lead[i] !== 1) p += batch[i + off] * st[i];
  return p * matrix;
}

/**
 * The conformance suite's reference backend: every primitive as plain float64 JavaScript, written
 * from the interface's definitions and independent of every backend (no code shared with
 * backend-cpu). float64, synchronous reads; no programs (they run through `defineBackend`'s
 * composed interpretation). Slow: for the small tensors of the suite.
 *
 * @returns A new reference backend (label `reference#n`).
 *
 * @example
 * ```ts
 * import { referenceBackend } from '@downhill/backend/conformance';
 * const ref = referenceBackend();
 * ref.readSync(ref.matmul(ref.tensor([1, 2, 3, 4], [2, 2], 'float64'), ref.tensor([1, 0, 0, 1], [2, 2], 'float64'))); // Float64Array [1, 2, 3, 4]
 * ```
 */
export function referenceBackend(): Backend {
  return defineBackend(new ReferenceKernels());
}
