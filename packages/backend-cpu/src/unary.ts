import type { DType, Tensor, UnaryOp } from '@downhill/backend';
import { erf } from './erf.js';
import { alloc, dataOf, type CpuStorage } from './storage.js';

/**
 * Rounds half to even (banker's rounding), as NumPy's `round` and TensorFlow's `round` do.
 *
 * ```text
 * roundHalfEven(x) = the integer nearest x; on a tie (x = k + 1/2), the even one of k and k + 1
 * ```
 *
 * @param x Any number; NaN, infinities and integers come back unchanged.
 * @returns The rounded value (−0 stays −0).
 *
 * @example
 * ```ts
 * [0.5, 1.5, 2.5, -2.5].map(roundHalfEven); // [0, 2, 2, -2]
 * ```
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // half up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `sign(x)`: −1, 0 or 1 (NaN stays NaN). */
function sign(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : x;
}

/**
 * Elementwise unary math into a new array of `x`'s dtype. Floats are computed in float64 and
 * rounded once when stored; int32 (`neg`, `abs`, `sign`, `square`) wraps like two's complement.
 */
export function unaryKernel(op: UnaryOp, x: Tensor): CpuStorage {
  const a = dataOf(x);
  const n = a.length;
  const out = alloc(x.dtype, n);
  if (x.dtype === 'int32') {
    switch (op) {
      case 'neg':
        for (let i = 0; i < n; i++) out[i] = -a[i];
        return out;
      case 'abs':
        for (let i = 0; i < n; i++) out[i] = Math.abs(a[i]);
        return out;
      case 'sign':
        for (let i = 0; i < n; i++) out[i] = sign(a[i]);
        return out;
      case 'square':
        for (let i = 0; i < n; i++) out[i] = Math.imul(a[i], a[i]);
        return out;
      default:
        break; // the wrapper refuses the others on int32
    }
  }
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -a[i];
      break;
    case 'abs':
      for (let i = 0; i < n; i++) out[i] = Math.abs(a[i]);
      break;
    case 'sign':
      for (let i = 0; i < n; i++) out[i] = sign(a[i]);
      break;
    case 'square':
      for (let i = 0; i < n; i++) out[i] = a[i] * a[i];
      break;
    case 'sqrt':
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(a[i]);
      break;
    case 'rsqrt':
      for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(a[i]);
      break;
    case 'reciprocal':
      for (let i = 0; i < n; i++) out[i] = 1 / a[i];
      break;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(a[i]);
      break;
    case 'expm1':
      for (let i = 0; i < n; i++) out[i] = Math.expm1(a[i]);
      break;
    case 'log':
      for (let i = 0; i < n; i++) out[i] = Math.log(a[i]);
      break;
    case 'log1p':
      for (let i = 0; i < n; i++) out[i] = Math.log1p(a[i]);
      break;
    case 'sin':
      for (let i = 0; i < n; i++) out[i] = Math.sin(a[i]);
      break;
    case 'cos':
      for (let i = 0; i < n; i++) out[i] = Math.cos(a[i]);
      break;
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = Math.tanh(a[i]);
      break;
    case 'erf':
      for (let i = 0; i < n; i++) out[i] = erf(a[i]);
      break;
    case 'floor':
      for (let i = 0; i < n; i++) out[i] = Math.floor(a[i]);
      break;
    case 'ceil':
      for (let i = 0; i < n; i++) out[i] = Math.ceil(a[i]);
      break;
    case 'round':
      for (let i = 0; i < n; i++) out[i] = roundHalfEven(a[i]);
      break;
    default:
      return op satisfies never;
  }
  return out;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * Conversion between dtypes: float to `int32` truncates toward zero, saturates out of range and
 * maps NaN to 0; anything to `bool` is `x ≠ 0` (NaN is true); `bool` reads as 0 and 1; to `float32`
 * rounds to nearest.
 */
export function castKernel(x: Tensor, dtype: DType): CpuStorage {
  const a = dataOf(x);
  const n = a.length;
  const out = alloc(dtype, n);
  if (dtype === 'bool') {
    for (let i = 0; i < n; i++) out[i] = a[i] !== 0 ? 1 : 0;
  } else if (dtype === 'int32' && (x.dtype === 'float32' || x.dtype === 'float64')) {
    for (let i = 0; i < n; i++) {
      const v = a[i];
      out[i] = Number.isNaN(v) ? 0 : v >= INT32_MAX ? INT32_MAX : v <= INT32_MIN ? INT32_MIN : Math.trunc(v);
    }
  } else {
    out.set(a);
  }
  return out;
}
