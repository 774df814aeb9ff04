import type { DType, TypedArray } from '../dtype.js';
import { fmtShape } from '../errors.js';
import type { Shape } from '../shape.js';
import type { FloatDType, Tolerance } from './case.js';

/**
 * The tolerances of the suite, per float dtype of the backend under test, against the reference
 * computing in float64 from the same (float32-representable) inputs:
 *
 * - `float32`: `rtol 1e-5, atol 1e-6`, about 80 units in the last place: room for a kernel that
 *   rounds each step to float32, sums in another order, or evaluates `erf`, `exp` or `tanh` with a
 *   polynomial accurate to a few units, while still catching any wrong formula.
 * - `float64`: `rtol 1e-12, atol 1e-14`: another order of summation, nothing more.
 *
 * `int32` and `bool` results must match exactly; NaN must meet NaN and infinities their own sign.
 */
export const DEFAULT_TOLERANCES: Readonly<Record<FloatDType, Tolerance>> = {
  float32: { rtol: 1e-5, atol: 1e-6 },
  float64: { rtol: 1e-12, atol: 1e-14 },
};

const ARRAY_OF: Record<DType, string> = {
  float32: 'Float32Array',
  float64: 'Float64Array',
  int32: 'Int32Array',
  bool: 'Uint8Array',
};

/** Throws unless `data` is the typed array of `dtype` (Float32Array for float32, Uint8Array for bool...). */
export function assertArrayKind(data: TypedArray, dtype: DType, label: string): void {
  const want = ARRAY_OF[dtype];
  if (data?.constructor?.name !== want) {
    throw new Error(`${label}: read() of a ${dtype} tensor must give a ${want}, got ${data?.constructor?.name ?? typeof data}`);
  }
}

/**
 * Throws with the worst offending elements unless `got` is close to `want`: exactly for `int32`
 * and `bool`, within `tol` for floats.
 */
export function assertClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  dtype: DType,
  tol: Tolerance,
  label: string,
  shape: Shape,
): void {
  if (got.length !== want.length) {
    throw new Error(`${label}: expected ${want.length} elements (shape ${fmtShape(shape)}), got ${got.length}`);
  }
  const exact = dtype === 'int32' || dtype === 'bool';
  const bad: string[] = [];
  let count = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    let ok: boolean;
    if (Number.isNaN(w)) ok = Number.isNaN(g);
    else if (exact || !Number.isFinite(w)) ok = g === w;
    else ok = Math.abs(g - w) <= tol.atol + tol.rtol * Math.abs(w);
    if (!ok) {
      count++;
      if (bad.length < 6)
        bad.push(`[${unravel(i, shape).join(',')}] got ${g}, want ${w}${exact ? '' : ` (|diff| ${Math.abs(g - w).toExponential(2)})`}`);
    }
  }
  if (count > 0) {
    const tolText = exact ? 'exactly' : `within rtol ${tol.rtol}, atol ${tol.atol}`;
    throw new Error(
      `${label}: ${count} of ${want.length} ${dtype} elements of ${fmtShape(shape)} differ from the reference ${tolText}: ${bad.join('; ')}`,
    );
  }
}

function unravel(index: number, shape: Shape): number[] {
  const out = new Array<number>(shape.length);
  let r = index;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i] || 1;
    out[i] = r % d;
    r = Math.floor(r / d);
  }
  return out;
}
