import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { curvePath } from './curve.js';
import { train } from './train.js';

describe('train (the page’s loop, on the CPU backend)', () => {
  it.each([
    [100, 10],
    [300, 7],
  ])('%d Adam steps read back %d at a time bring the loss down tenfold and release everything', async (steps, readEvery) => {
    const b = cpu();
    const seen: number[] = [];
    const { losses, path } = await train(b, { steps, readEvery, onLoss: (s, l) => void seen.push(s, l) });
    expect(losses).toHaveLength(steps);
    expect(seen.filter((_, i) => i % 2 === 0)).toEqual(Array.from({ length: steps }, (_, i) => i));
    expect(losses[steps - 1]).toBeLessThan(0.1 * losses[0]);
    expect(path).toBe('fused'); // backend-cpu compiles the update program too
    expect(b.memory().tensors).toBe(0);
  });
});

describe('curvePath', () => {
  it.each([
    [[1, 0.1, 0.01], 'M5.0,5.0L50.0,25.0L95.0,45.0', -2, 0],
    [[1, 1], 'M5.0,5.0L95.0,5.0', 0, 0],
    [[1, NaN, 0.01, 0], 'M5.0,5.0L65.0,45.0', -2, 0],
    [[0.5], '', 0, 0],
  ])('%j', (losses, d, lo, hi) => {
    const r = curvePath(losses, { width: 100, height: 50, margin: 5 });
    expect(r.d).toBe(d);
    if (d) expect([r.lo, r.hi]).toEqual([lo, hi]);
  });
});
