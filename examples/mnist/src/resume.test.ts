import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng } from '@downhill/initializers';
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_FILE } from './checkpoint.js';
import { withoutTimings } from './metrics.js';
import { EXAMPLE_DIR, runCli, type CliRun } from './test-helpers.js';

// A short run with every kind of state: BatchNorm statistics, dropout masks, a schedule, clipping.
// 3 epochs of 40 steps.
const SMALL = [
  '--backend',
  'cpu',
  '--train-size',
  '2000',
  '--test-size',
  '200',
  '--epochs',
  '3',
  '--batch-size',
  '50',
  '--hidden',
  '48',
  '--batchnorm',
  '--dropout',
  '0.1',
  '--clip',
  '5',
  '--seed',
  '11',
  '--quiet',
];

/** Starts the program; once training has begun ('optimizer:' printed), waits `delayMs` and sends `signal`. */
function runAndKill(args: readonly string[], signal: NodeJS.Signals, delayMs: number): Promise<CliRun & { killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts', ...args], {
      cwd: EXAMPLE_DIR,
      env: { ...process.env, DOWNHILL_BACKEND: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let armed = false;
    let killed = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!armed && stdout.includes('optimizer:')) {
        armed = true;
        setTimeout(() => {
          killed = child.exitCode === null;
          child.kill(signal);
        }, delayMs);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, killed });
    });
  });
}

describe('kill and resume (pnpm start --resume)', () => {
  it('ends bitwise as the uninterrupted run, whatever the kill points and signals', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mnist-resume-'));
    const straight = join(root, 'straight');
    const killed = join(root, 'killed');
    const reference = runCli([...SMALL, '--out', straight]);

    // Random kill points, reproducible from the printed seed.
    const seed = Date.now() % 100_000;
    const u = rng(seed).uniform(8);
    const plan: [NodeJS.Signals, number][] = [
      ['SIGKILL', 0],
      ['SIGINT', 0],
      ['SIGKILL', 0],
      ['SIGTERM', 0],
    ].map(([s], i) => [s as NodeJS.Signals, Math.floor(100 + 1000 * u[i])]);
    console.log(`kill plan (seed ${seed}): ${plan.map(([s, ms]) => `${s} after ${ms} ms`).join(', ')}`);
    const log: string[] = [];
    let stops = 0;
    for (const [signal, delay] of plan) {
      const resuming = existsSync(join(killed, CHECKPOINT_FILE));
      const r = await runAndKill(resuming ? ['--resume', killed, '--quiet'] : [...SMALL, '--out', killed, '--force'], signal, delay);
      log.push(`${resuming ? 'resume' : 'start'} + ${signal} after ${delay} ms → exit ${r.code}`);
      if (r.code === 0) break; // finished before the signal came
      if (!r.killed) throw new Error(`the run ended by itself with code ${r.code}:\n${r.stdout}\n${r.stderr}`);
      if (signal === 'SIGKILL') expect(r.code).toBe(null);
      else {
        // a graceful stop: the step finishes, a checkpoint is written, the message says how to continue
        stops++;
        expect(r.code, r.stderr).toBe(signal === 'SIGINT' ? 130 : 143);
        expect(r.stdout).toMatch(new RegExp(`${signal}: finishing the current step, then writing a checkpoint`));
        expect(r.stdout).toMatch(
          /stopped (at step \d+ of epoch \d|after epoch \d) \(adam\); checkpoint written to .*checkpoint\.safetensors/,
        );
        expect(r.stdout).toContain(`continue with: pnpm start --resume ${killed}`);
      }
    }
    // Finish: resume from the last checkpoint (or start again if no checkpoint was written yet).
    const last = existsSync(join(killed, CHECKPOINT_FILE))
      ? await runCli(['--resume', killed, '--quiet'])
      : await runCli([...SMALL, '--out', killed, '--force']);
    console.log([...log, `finish → exit ${last.code}`].join('\n'));
    expect(last.code, last.stderr).toBe(0);
    const ref = await reference;
    expect(ref.code, ref.stderr).toBe(0);

    const metrics = (dir: string) => withoutTimings(JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')));
    expect(metrics(killed)).toEqual(metrics(straight));
    expect((metrics(straight) as { runs: { steps: { loss: number[] } }[] }).runs[0].steps.loss).toHaveLength(120);
    expect(Buffer.compare(readFileSync(join(killed, 'weights.safetensors')), readFileSync(join(straight, 'weights.safetensors')))).toBe(0);
    expect(stops + log.length).toBeGreaterThan(0);
  }, 600_000);

  it('refuses --resume without a checkpoint, and --resume with other settings', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'mnist-resume-'));
    const r = await runCli(['--resume', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--resume: loadCheckpoint: no checkpoint at '.*checkpoint\.safetensors'/);
    const s = await runCli(['--resume', empty, '--epochs', '3']);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/--resume continues a run with the settings it was started with; drop --epochs/);
  });
});
