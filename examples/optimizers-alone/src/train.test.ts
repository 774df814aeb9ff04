import { describe, expect, it } from 'vitest';
import { train } from './train.js';

describe('a training loop with @downhill/optimizers alone', () => {
  it('divides the loss by at least 10 (from ln 2 ≈ 0.693) and classifies the training data', async () => {
    const { initialLoss, finalLoss, history, accuracy } = await train({ steps: 300 });
    expect(initialLoss).toBeCloseTo(Math.LN2, 5); // w = 0, b = 0: p = ½ everywhere
    expect(finalLoss).toBeLessThan(initialLoss / 10);
    expect(accuracy).toBeGreaterThan(0.97);
    // Mostly going down: no log point is far above the previous one.
    for (let i = 1; i < history.length; i++) expect(history[i]).toBeLessThan(history[i - 1] * 1.2);
  });
});
