/** Synthetic, linearly separable data for binary classification, from a seeded generator. */

/** A deterministic generator of floats in [0, 1) (mulberry32). */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` points in `d` dimensions, standard normal (Box–Muller), labelled by a hidden hyperplane. */
export function makeData(n: number, d: number, seed = 7): { x: Float32Array; y: Float32Array; wTrue: number[]; bTrue: number } {
  const rand = random(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const wTrue = Array.from({ length: d }, normal);
  const bTrue = 0.5;
  const x = new Float32Array(n * d);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let z = bTrue;
    for (let j = 0; j < d; j++) {
      x[i * d + j] = normal();
      z += x[i * d + j] * wTrue[j];
    }
    y[i] = z > 0 ? 1 : 0;
  }
  return { x, y, wTrue, bTrue };
}
