// Every tool on backend-webgpu (float32) against backend-cpu (float64): the same seeded model,
// data and keys, compared at float32 tolerance. Where WebGPU is unavailable here the WebGPU half is
// skipped with the reason printed (CI installs Mesa and sets DOWNHILL_REQUIRE_WEBGPU=1, which
// turns a missing adapter into a failure).
import '@downhill/backend-cpu/register';
import '@downhill/backend-webgpu/register';
import { getBackend, type Backend } from '@downhill/backend';
import { sgd } from '@downhill/optimizers';
import { describe, expect, it } from 'vitest';
import { filterNormalizedDirections, trajectoryDirections } from './directions.js';
import { hessianEigenvalues } from './hessian-eigenvalues.js';
import { hessianDiagonal, hessianTrace } from './hutchinson.js';
import { lossAlongLine } from './loss-line.js';
import { lossPlane, projectOntoPlane } from './loss-plane.js';
import { lrRangeTest } from './lr-range-test.js';
import { gradientNoiseScale } from './noise-scale.js';
import { hessianTopEigenvalue } from './power-iteration.js';
import { hessianSpectralDensity } from './spectral-density.js';
import { readTree, smallModel } from './test-helpers.js';

/** Every tool's numbers for one backend and dtype. */
async function runAll(b: Backend, dtype: 'float32' | 'float64') {
  const model = smallModel(b, dtype, { sizes: [3, 3, 2], examples: 8 });
  const other = smallModel(b, dtype, { sizes: [3, 3, 2], examples: 8, seed: 9 });
  const eig = await hessianEigenvalues(model.loss, model.params, { k: 2, which: 'both', maxIterations: model.n, vectors: false, seed: 1 });
  const top = await hessianTopEigenvalue(model.loss, model.params, { maxIterations: 300, tolerance: 1e-7, seed: 1 });
  const trace = await hessianTrace(model.loss, model.params, { samples: 4, seed: 2 });
  const diag = await hessianDiagonal(model.loss, model.params, { samples: 2, seed: 2 });
  const density = await hessianSpectralDensity(model.loss, model.params, { runs: 2, iterations: 6, gridSize: 50, seed: 3 });
  const batches = [0, 1, 2, 3].map((i) => ({ w: i }));
  // Every batch gives the same gradient here: what is compared is the estimators' arithmetic on each backend.
  const gns = await gradientNoiseScale((p, _batch: { w: number }) => model.loss(p) as never, model.params, {
    small: { batchSize: 1, batches: batches.slice(0, 2) },
    big: { batchSize: 4, batches: batches.slice(2) },
  });
  const range = await lrRangeTest((p: typeof model.params) => model.loss(p), model.params, sgd(1), { steps: 12, minLr: 1e-3, maxLr: 1 });
  const line = await lossAlongLine(model.loss, model.params, other.params, { points: 5 });
  const dirs = await filterNormalizedDirections(model.params, { seed: 5 });
  const plane = await lossPlane(model.loss, model.params, { resolution: 3, seed: 5 });
  const traj = await trajectoryDirections([other.params, model.params]);
  const coords = await projectOntoPlane([other.params], model.params, plane.directions);
  const out = {
    eigenvalues: [...eig.largest, ...eig.smallest].map((p) => p.value),
    top: [Math.abs(top.value)],
    trace: [trace.trace],
    diagonal: await readTree(diag.diagonal as never),
    nodes: density.nodes.flat(),
    noise: [gns.gradientNormSquared],
    range: range.losses,
    line: line.losses,
    directions: (await Promise.all(dirs.map((d) => readTree(d as never)))).flat(),
    plane: plane.loss.flat(),
    trajectory: (await readTree(traj.directions[0] as never)).map(Math.abs),
    coords: coords.flatMap((c) => [c.x, c.y]),
  };
  b.dispose([model.params, other.params, diag.diagonal, diag.standardError, top.vector, dirs, plane.directions, traj.directions] as never);
  return out;
}

describe('every tool on each backend', () => {
  it('backend-webgpu (float32) agrees with backend-cpu (float64) at float32 tolerance', async (ctx) => {
    let gpu: Backend;
    try {
      gpu = await getBackend('webgpu');
    } catch (e) {
      if (process.env.DOWNHILL_REQUIRE_WEBGPU === '1') throw e;
      console.log(`skipping the WebGPU half: no adapter here (${(e as Error).message.split('\n')[0]})`);
      ctx.skip();
      return;
    }
    const cpu = await getBackend('cpu');
    const want = await runAll(cpu, 'float64');
    const got = await runAll(gpu, 'float32');
    for (const key of Object.keys(want) as (keyof typeof want)[]) {
      const a = got[key];
      const w = want[key];
      expect(a, key).toHaveLength(w.length);
      const scale = Math.max(1e-3, ...w.map(Math.abs));
      for (let i = 0; i < w.length; i++)
        expect(Math.abs(a[i] - w[i]), `${key}[${i}]: ${a[i]} vs ${w[i]}`).toBeLessThanOrEqual(2e-3 * scale);
    }
  }, 300_000);

  it('backend-cpu runs every tool in float32 too, close to float64', async () => {
    const cpu = await getBackend('cpu');
    const want = await runAll(cpu, 'float64');
    const got = await runAll(cpu, 'float32');
    for (const key of Object.keys(want) as (keyof typeof want)[]) {
      const scale = Math.max(1e-3, ...want[key].map(Math.abs));
      want[key].forEach((w, i) => expect(Math.abs(got[key][i] - w), `${key}[${i}]`).toBeLessThanOrEqual(2e-3 * scale));
    }
  }, 120_000);
});
