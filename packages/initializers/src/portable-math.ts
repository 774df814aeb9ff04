// A natural logarithm built only from IEEE-754 operations that every JavaScript engine rounds the
// same way (+, −, ×, ÷ and the bit pattern of a double). Math.log is not required to be correctly
// rounded, so engines may differ in its last bit; with this log the normal samples, and so the
// weights, are bitwise the same on every engine. Internal: not exported from the package.

const view = new DataView(new ArrayBuffer(8));
const LN2_HI = 0.6931471803691238; // the high bits of ln 2 (exact when multiplied by an exponent)
const LN2_LO = 1.9082149292705877e-10; // ln 2 − LN2_HI
const SQRT2 = Math.SQRT2;
const TWO54 = 18014398509481984;

/**
 * ln(x) for finite x > 0, within about one ulp of the true value, with the same bits on every
 * engine. Reduces x = m · 2^e with m in [√½, √2), then ln m = 2 atanh(s), s = (m − 1)/(m + 1),
 * summed as the odd series s + s³/3 + … (|s| ≤ 0.172, so 13 terms are past double precision).
 */
export function portableLog(x: number): number {
  let e = 0;
  if (x < 2.2250738585072014e-308) {
    x *= TWO54; // subnormal: scale into the normal range first
    e = -54;
  }
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  e += ((hi >>> 20) & 0x7ff) - 1023;
  view.setUint32(0, (hi & 0x800fffff) | 0x3ff00000); // same mantissa, exponent 0: m in [1, 2)
  let m = view.getFloat64(0);
  if (m > SQRT2) {
    m *= 0.5;
    e += 1;
  }
  const s = (m - 1) / (m + 1);
  const z = s * s;
  // Horner form of 1 + z/3 + z²/5 + … + z¹²/25.
  let p = 1 / 25;
  for (let k = 23; k >= 1; k -= 2) p = p * z + 1 / k;
  const lnm = 2 * s * p;
  return e * LN2_HI + (lnm + e * LN2_LO);
}
