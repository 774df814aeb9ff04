import type { Vocabulary } from './data.js';

/**
 * The bigram baseline: `P(next | previous)` from counts on the training names, with add-`alpha`
 * smoothing (`alpha = 1`, Laplace, by default), the boundary `.` at both ends as for the
 * transformer. Its validation loss is the cross-entropy in nats per character, every character of
 * a name and its end counted, as the transformer's is.
 */
export class Bigram {
  /** `probs[a * V + b]` = P(b | a). */
  readonly probs: Float64Array;

  constructor(
    readonly vocabulary: Vocabulary,
    train: readonly string[],
    { alpha = 1 }: { alpha?: number } = {},
  ) {
    const v = vocabulary.chars.length;
    const counts = new Float64Array(v * v).fill(alpha);
    for (const name of train) {
      const ids = this.ids(name);
      for (let i = 1; i < ids.length; i++) counts[ids[i - 1] * v + ids[i]]++;
    }
    for (let a = 0; a < v; a++) {
      let s = 0;
      for (let b = 0; b < v; b++) s += counts[a * v + b];
      for (let b = 0; b < v; b++) counts[a * v + b] /= s;
    }
    this.probs = counts;
  }

  private ids(name: string): number[] {
    return [0, ...[...name].map((c) => this.vocabulary.ids.get(c) ?? -1), 0];
  }

  /** Mean negative log-likelihood, in nats per character (each name's characters and its end). */
  natsPerCharacter(names: readonly string[]): number {
    const v = this.vocabulary.chars.length;
    let nll = 0;
    let count = 0;
    for (const name of names) {
      const ids = this.ids(name);
      for (let i = 1; i < ids.length; i++) {
        nll -= Math.log(this.probs[ids[i - 1] * v + ids[i]]);
        count++;
      }
    }
    return nll / count;
  }
}
