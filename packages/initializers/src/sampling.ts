// Host samplers over a pure-rand generator, in float64. Only IEEE-754 operations every engine
// rounds alike (+, −, ×, ÷, sqrt) and portableLog are used, so one generator state gives bitwise
// the same samples everywhere. Internal: not exported from the package.
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { portableLog } from './portable-math.js';

const TWO26 = 67108864;
const TWO53 = 9007199254740992;

/**
 * A uniform double in [0, 1) with 53 random bits, from the high bits of two 32-bit outputs (the
 * low bits of xoroshiro128+ are its weakest).
 */
export function uniform53(g: RandomGenerator): number {
  const a = g.next() >>> 5; // 27 bits
  const b = g.next() >>> 6; // 26 bits
  return (a * TWO26 + b) / TWO53;
}

/** Fills `out` with uniform samples in `[min, max)`. */
export function fillUniform(g: RandomGenerator, out: Float64Array, min: number, max: number): void {
  const width = max - min;
  for (let i = 0; i < out.length; i++) out[i] = min + width * uniform53(g);
}

/**
 * Fills `out` with normal samples by Marsaglia's polar method: a point drawn uniformly in the unit
 * disc gives two independent standard normals, used in order.
 */
export function fillNormal(g: RandomGenerator, out: Float64Array, mean: number, std: number): void {
  let i = 0;
  while (i < out.length) {
    const [z0, z1] = normalPair(g);
    out[i++] = mean + std * z0;
    if (i < out.length) out[i++] = mean + std * z1;
  }
}

/**
 * Fills `out` with normal samples restricted to `[mean + lower·std, mean + upper·std]`: draws
 * outside are thrown away and drawn again (as TensorFlow's `truncated_normal` does).
 * `std` is the standard deviation of the normal before truncation.
 */
export function fillTruncatedNormal(g: RandomGenerator, out: Float64Array, mean: number, std: number, lower: number, upper: number): void {
  let i = 0;
  while (i < out.length) {
    const pair = normalPair(g);
    for (let j = 0; j < 2 && i < out.length; j++) {
      const z = pair[j];
      if (z >= lower && z <= upper) out[i++] = mean + std * z;
    }
  }
}

function normalPair(g: RandomGenerator): [number, number] {
  for (;;) {
    const u = 2 * uniform53(g) - 1;
    const v = 2 * uniform53(g) - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) {
      const f = Math.sqrt((-2 * portableLog(s)) / s);
      return [u * f, v * f];
    }
  }
}
