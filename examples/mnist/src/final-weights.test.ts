import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { decodeSafetensors, loadCheckpoint } from '@downhill/layers';
import { decodeState, deserializeState } from '@downhill/optimizers';
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_FILE } from './checkpoint.js';
import { runCli } from './test-helpers.js';

const SMALL = [
  '--backend',
  'cpu',
  '--train-size',
  '600',
  '--test-size',
  '100',
  '--epochs',
  '1',
  '--batch-size',
  '50',
  '--hidden',
  '16',
  '--seed',
  '5',
  '--quiet',
];

/** The schedule-free record (`scheduleFreeB1`, `z`) inside a decoded optimizer state. */
function scheduleFreeRecord(state: unknown): { b1: number; z: Record<string, unknown> } | undefined {
  if (state === null || typeof state !== 'object' || state instanceof Tensor) return undefined;
  const s = state as Record<string, unknown>;
  if (typeof s.scheduleFreeB1 === 'number') return { b1: s.scheduleFreeB1, z: s.z as Record<string, unknown> };
  for (const v of Object.values(s)) {
    const found = scheduleFreeRecord(v);
    if (found) return found;
  }
  return undefined;
}

/** The tensors of a tree by dotted name, as host arrays. */
function leaves(tree: unknown, prefix = '', out = new Map<string, number[]>()): Map<string, number[]> {
  if (tree instanceof Tensor) out.set(prefix, Array.from(tree.backend.readSync(tree)));
  else if (tree !== null && typeof tree === 'object')
    for (const [k, v] of Object.entries(tree)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

describe('the final weights file', () => {
  it("holds a schedule-free optimizer's evaluation point x = (y − (1 − β)·z)/β, the checkpoint its training point y", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnist-final-weights-'));
    const r = await runCli([...SMALL, '--optimizer', 'schedulefree-sgd', '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    const shipped = decodeSafetensors(new Uint8Array(readFileSync(join(dir, 'weights.safetensors')))).tensors;
    const ckpt = await loadCheckpoint(join(dir, CHECKPOINT_FILE));
    const y = decodeSafetensors(ckpt.weights).tensors;
    const record = scheduleFreeRecord(decodeState(deserializeState(ckpt.optimizerState!).state, cpu()));
    expect(record, 'a schedule-free state in the checkpoint').toBeDefined();
    const z = leaves(record!.z);
    expect(z.size).toBeGreaterThan(0);
    const b1 = record!.b1;
    let compared = 0;
    let largestMove = 0;
    for (const [name, entry] of shipped) {
      const yv = Array.from(y.get(name)!.data as Float32Array);
      const got = Array.from(entry.data as Float32Array);
      const zName = [...z.keys()].find((k) => name.endsWith(k) || k.endsWith(name));
      expect(zName, `z of '${name}' (z holds ${[...z.keys()].join(', ')})`).toBeDefined();
      const zv = z.get(zName!)!;
      // x in float64 from the float32 y and z; the file holds x rounded to float32.
      const want = yv.map((v, i) => (v - (1 - b1) * zv[i]) / b1);
      for (let i = 0; i < want.length; i++)
        expect(Math.abs(got[i] - want[i]), `${name}[${i}]`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i])));
      for (let i = 0; i < yv.length; i++) largestMove = Math.max(largestMove, Math.abs(yv[i] - got[i]));
      compared++;
    }
    expect(compared).toBe(z.size);
    // x is not y here (else the test could not tell them apart)
    expect(largestMove).toBeGreaterThan(1e-3);
  }, 240_000);
});
