import type { Backend } from '@downhill/backend';
import { detach, ops } from '@downhill/autograd';
import type { Rng } from '@downhill/initializers';
import type { Vocabulary } from './data.js';
import type { CharTransformer } from './model.js';

/**
 * Draws names from the model, one character at a time, from `softmax(logits / temperature)` at the
 * last position: a temperature below 1 sharpens the distribution (more common names), above 1
 * flattens it (more inventive ones). Each name starts at the boundary and ends when the model
 * draws the boundary again or reaches the block size. Deterministic for a key: name `k` uses
 * `key.fold(k)`, its character `i` the `i`th uniform number of that key.
 *
 * Names are drawn together as a batch, in evaluation mode (no dropout); a name that has ended
 * keeps being padded but is no longer extended.
 */
export function sampleNames(
  model: CharTransformer,
  backend: Backend,
  vocabulary: Vocabulary,
  { count, temperature = 1, key }: { count: number; temperature?: number; key: Rng },
): string[] {
  if (!(temperature > 0)) throw new Error(`sampleNames: temperature must be > 0, got ${temperature}`);
  const { blockSize } = model.options;
  const draws = Array.from({ length: count }, (_, k) => key.fold(k).uniform(blockSize));
  const seqs: number[][] = Array.from({ length: count }, () => [0]);
  const done = new Array<boolean>(count).fill(false);
  const v = vocabulary.chars.length;
  for (let step = 0; step < blockSize && done.some((d) => !d); step++) {
    const t = step + 1;
    const probs = backend.scope(() => {
      const ids = backend.tensor(Int32Array.from(seqs.flatMap((s) => s.slice(0, t))), [count, t], 'int32');
      const logits = model.apply(model.parameters(), ids, { training: false });
      const last = ops.reshape(ops.slice(logits, [0, t - 1, 0], [count, 1, v]), [count, v]);
      return detach(ops.cast(ops.softmax(ops.mul(last, 1 / temperature)), 'float64')); // no trace here: the tensor itself
    });
    const p = backend.readSync(probs);
    probs.dispose();
    for (let k = 0; k < count; k++) {
      if (done[k]) {
        seqs[k].push(0);
        continue;
      }
      let u = draws[k][step];
      let next = v - 1;
      for (let c = 0; c < v; c++) {
        u -= p[k * v + c];
        if (u < 0) {
          next = c;
          break;
        }
      }
      seqs[k].push(next);
      if (next === 0) done[k] = true;
    }
  }
  return seqs.map((s) => {
    const end = s.indexOf(0, 1);
    return s
      .slice(1, end === -1 ? undefined : end)
      .map((id) => vocabulary.chars[id])
      .join('');
  });
}
