// The key-derivation function behind Rng.split and Rng.fold: a 128-bit state of four uint32
// words, permuted by rounds of the ChaCha quarter-round (add, rotate, xor) with a round constant
// folded in. Each input word is xored into the state, then the state is permuted; the permutation
// is a bijection, so distinct inputs under one key give distinct children. Not cryptographic: its
// job is that related keys (a parent, its children, siblings, folds of similar names) start
// generator streams that look unrelated. Internal: not exported from the package.

/** A key's state: four uint32 words. */
export type State = readonly [number, number, number, number];

const ROUNDS = 10;
// Round constants: the first 32 bits of the fractional parts of square roots of primes (SHA-2's).
const RC = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19, 0xcbbb9d5d, 0x629a292a];

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

function permute(s: number[]): void {
  let [a, b, c, d] = s;
  for (let r = 0; r < ROUNDS; r++) {
    a = (a + b) | 0;
    d = rotl(d ^ a, 16);
    c = (c + d) | 0;
    b = rotl(b ^ c, 12);
    a = (a + b) | 0;
    d = rotl(d ^ a, 8);
    c = (c + d) | 0;
    b = rotl(b ^ c, 7);
    a ^= RC[r];
  }
  s[0] = a >>> 0;
  s[1] = b >>> 0;
  s[2] = c >>> 0;
  s[3] = d >>> 0;
}

/** A child state: the domain `tag` and then each of `words` absorbed into `state`. */
export function derive(state: State, tag: number, words: readonly number[]): State {
  const s = [state[0], state[1], state[2], (state[3] ^ tag) >>> 0];
  permute(s);
  for (const w of words) {
    s[0] = (s[0] ^ w) >>> 0;
    permute(s);
  }
  return [s[0], s[1], s[2], s[3]];
}

/** The low and high 32 bits of a safe integer (two's complement for negative numbers). */
export function splitInteger(n: number): [number, number] {
  const lo = n >>> 0;
  const hi = Math.floor(n / 4294967296) >>> 0;
  return [lo, hi];
}

/** A string's UTF-16 code units, two to a word, after its length. */
export function stringWords(text: string): number[] {
  const out = [text.length];
  for (let i = 0; i < text.length; i += 2) {
    out.push(((text.charCodeAt(i) << 16) | (i + 1 < text.length ? text.charCodeAt(i + 1) : 0)) >>> 0);
  }
  return out;
}

/** Domain tags: a seed, a split child, a fold of a number, a fold of a string. */
export const TAG = { seed: 0x5eed0001, split: 0x5b117002, foldNumber: 0xf01d0003, foldString: 0xf01d5704 } as const;

/** The state every seed starts from before the seed is absorbed. */
export const ROOT: State = [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344];
