import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withoutTimings } from './metrics.js';
import { runCli } from './test-helpers.js';

// The main job's MLP (784-256-10, batch 128, Adam) on a small training set: 2 epochs of 8 steps,
// large enough that its products, elementwise kernels, column sums and Adam split across threads.
const SHORT = ['--backend', 'cpu', '--train-size', '1024', '--test-size', '256', '--epochs', '2', '--seed', '5', '--quiet'];

describe('the main job on one thread and on the default threads (issue 17, acceptance 4)', () => {
  it('writes the same metrics and weights, bitwise, with DOWNHILL_CPU_THREADS=1, unset (the cores) and 4', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mnist-threads-'));
    const settings = [
      ['one', '1'],
      ['default', ''],
      ['four', '4'],
    ] as const;
    // one after the other: on a 2-core machine concurrent runs would take each other's cores
    for (const [name, threads] of settings) {
      const r = await runCli([...SHORT, '--out', join(root, name)], { env: { DOWNHILL_CPU_THREADS: threads } });
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
    }
    const metrics = (name: string) => withoutTimings(JSON.parse(readFileSync(join(root, name, 'metrics.json'), 'utf8')));
    const weights = (name: string) => readFileSync(join(root, name, 'weights.safetensors'));
    const one = metrics('one') as { runs: { steps: { loss: number[] }; testAccuracy: number }[] };
    expect(one.runs[0].steps.loss).toHaveLength(16);
    expect(one.runs[0].testAccuracy).toBeGreaterThan(0.5); // it trained
    for (const name of ['default', 'four']) {
      expect(metrics(name), name).toEqual(one);
      expect(Buffer.compare(weights(name), weights('one')), name).toBe(0);
    }
  }, 600_000);
});
