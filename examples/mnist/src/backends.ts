import { getBackend, selectBackend, type Backend } from '@downhill/backend';
import { rng } from '@downhill/initializers';
import { constant } from '@downhill/schedulers';
import type { Dataset } from './data.js';
import { createTrainer } from './train.js';

/** The backend a run uses, and why. */
export interface BackendChoice {
  readonly backend: Backend;
  readonly name: string;
  readonly reason: string;
  /** Examples per second of each backend tried in the probe (auto mode only). */
  readonly probe?: Readonly<Record<string, number>>;
}

/** What the probe trains: the run's model and optimizer on the run's first batches. */
export interface ProbeModel {
  readonly optimizer: string;
  /** `mlp` (default) or `cnn`. */
  readonly model?: 'mlp' | 'cnn';
  readonly hidden: readonly number[];
  /** CNN: filters of the two conv blocks. */
  readonly channels?: readonly number[];
  /** CNN: `max` (default) or `avg` pooling. */
  readonly pool?: 'avg' | 'max';
  readonly batchnorm: boolean;
  readonly dropout: number;
  readonly batchSize: number;
  readonly data: Dataset;
}

/**
 * Training examples per second of this model on `backend`: one warm-up step, then timed steps for
 * at least `seconds` (at least 3 steps). Weights and optimizer state are thrown away afterwards.
 */
export async function probeThroughput(backend: Backend, model: ProbeModel, { seconds = 0.6 }: { seconds?: number } = {}): Promise<number> {
  const { data } = model;
  const n = Math.min(model.batchSize, data.count);
  const trainer = createTrainer(backend, {
    optimizer: model.optimizer,
    schedule: constant(1e-4),
    model: model.model,
    hidden: model.hidden,
    channels: model.channels,
    pool: model.pool,
    batchnorm: model.batchnorm,
    dropout: model.dropout,
    seed: 0,
    features: data.features,
  });
  try {
    const x = data.x.subarray(0, n * data.features);
    const y = data.y.subarray(0, n);
    const key = rng(0);
    await trainer.step(x, y, n, key);
    let steps = 0;
    const t0 = performance.now();
    while (steps < 3 || performance.now() - t0 < seconds * 1000) {
      await trainer.step(x, y, n, key.fold(steps));
      steps++;
    }
    return (steps * n) / ((performance.now() - t0) / 1000);
  } finally {
    trainer.dispose();
  }
}

/**
 * The backend of a run. A name gives that backend. `auto` asks the registry (`selectBackend`:
 * the backend of highest priority that starts here) and then measures that choice against
 * backend-cpu, the embedded default, on a few steps of this very model: the faster one is used,
 * and the reason says so with the numbers. (Registry priorities are conventions per kind of
 * backend; which one is faster for a given model on a given machine is a measurement.)
 */
export async function chooseBackend(name: string, model: ProbeModel): Promise<BackendChoice> {
  if (name !== 'auto') {
    const s = await selectBackend({ name });
    return { backend: s.backend, name: s.name, reason: s.reason };
  }
  const pick = await selectBackend();
  if (pick.name === 'cpu' || process.env.DOWNHILL_BACKEND) return { backend: pick.backend, name: pick.name, reason: pick.reason };
  let cpu: Backend;
  try {
    cpu = await getBackend('cpu');
  } catch {
    return { backend: pick.backend, name: pick.name, reason: pick.reason };
  }
  const probe = { [pick.name]: await probeThroughput(pick.backend, model), cpu: await probeThroughput(cpu, model) };
  const fmt = (v: number) => `${Math.round(v).toLocaleString('en-US')} examples/s`;
  const measured = `${pick.name} ${fmt(probe[pick.name])}, cpu ${fmt(probe.cpu)} in a short trial of this model`;
  if (probe.cpu > probe[pick.name]) {
    return {
      backend: cpu,
      name: 'cpu',
      reason: `measured faster than the registry's choice (${measured}); the registry chose ${pick.reason}`,
      probe,
    };
  }
  return { backend: pick.backend, name: pick.name, reason: `${pick.reason}; confirmed by measurement (${measured})`, probe };
}
