// The short run of the example (--quick): every figure written, and the edge of stability
// reproduced. Full-batch gradient descent at η = 2/3 and η = 0.8 from the same seeded start:
// the sharpness rises to 2/η and hovers there (Cohen et al. 2021), measured as the mean of the
// top Hessian eigenvalue over the last 40% of the steps.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QUICK, run } from './main.js';

describe('examples/curvature (quick run)', () => {
  it('draws every figure and settles the sharpness within 10% of 2/η for both learning rates', async () => {
    const out = mkdtempSync(join(tmpdir(), 'curvature-'));
    try {
      const lines: string[] = [];
      const summary = await run(QUICK, out, (l) => lines.push(l));
      console.log(lines.join('\n'));
      for (const name of ['edge-of-stability', 'density', 'lr-range-test', 'landscape', 'noise-scale']) {
        const png = readFileSync(join(out, `${name}.png`));
        expect(png.subarray(1, 4).toString()).toBe('PNG');
        expect(existsSync(join(out, `${name}.svg`))).toBe(true);
      }
      expect(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).edgeOfStability).toHaveLength(2);
      for (const e of summary.edgeOfStability) {
        expect(e.settledSharpness).toBeGreaterThan(0.9 * e.twoOverLr);
        expect(e.settledSharpness).toBeLessThan(1.1 * e.twoOverLr);
        // It got there by progressive sharpening: it started below 2/η.
        expect(summary.initialSharpness).toBeLessThan(e.twoOverLr);
      }
      // The range test stops where minibatch SGD diverges, and suggests a smaller rate.
      expect(summary.rangeTest.divergence).toBeDefined();
      expect(summary.rangeTest.suggestion).toBeLessThan(summary.rangeTest.divergence!);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 240_000);
});
