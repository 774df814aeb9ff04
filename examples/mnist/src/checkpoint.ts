import { join } from 'node:path';
import { CheckpointError, loadCheckpoint, restoreCheckpoint, saveCheckpoint, saveWeights, writeFileAtomic } from '@downhill/layers';
import { rng } from '@downhill/initializers';
import { deserializeState, hasScheduleFreeState, mapTree, scheduleFreeEvalParams, serializeState } from '@downhill/optimizers';
import type { Config } from './cli.js';
import type { RunPosition, RunResult, Trainer } from './train.js';

/** The checkpoint's file name in a run folder. */
export const CHECKPOINT_FILE = 'checkpoint.safetensors';

/** The settings a run is reproduced from (the command line after defaults, less what does not change the result). */
export type Settings = Omit<Config, 'out' | 'quiet' | 'force' | 'resume'>;

/** What a checkpoint of the MNIST job holds besides weights and optimizer state (its JSON metadata). */
export interface RunState {
  readonly program: 'downhill-example-mnist';
  readonly settings: Settings;
  /** The backend and why it was chosen (a resumed run uses the same one). */
  readonly backend: { readonly name: string; readonly reason: string; readonly probeExamplesPerSecond?: Readonly<Record<string, number>> };
  /** The runs finished so far (compare mode trains several). */
  readonly runs: readonly RunResult[];
  /** The run in progress: its optimizer and where it stands. */
  readonly current: { readonly optimizer: string; readonly position: RunPosition };
  /** Seconds of the whole program so far, over every session. */
  readonly wallTimeSeconds: number;
}

/** The file the final weights of a run go to: `weights.safetensors`, or `weights-<optimizer>.safetensors` in compare mode. */
export function weightsFile(settings: Settings, optimizer: string): string {
  return settings.compare ? `weights-${optimizer}.safetensors` : 'weights.safetensors';
}

/**
 * Writes the run's checkpoint atomically into `dir` (weights in safetensors, the optimizer state,
 * the random keys, the step, and `state` as metadata); after a run's last epoch also its final
 * weights as a plain safetensors file ({@link finalWeights}: a schedule-free optimizer's
 * evaluation point). The checkpoint keeps the training point, from which a resumed run goes on.
 */
export async function writeRunCheckpoint(dir: string, trainer: Trainer, state: RunState): Promise<void> {
  const { position } = state.current;
  const root = rng(state.settings.seed);
  await saveCheckpoint(join(dir, CHECKPOINT_FILE), {
    model: trainer.model,
    step: position.step,
    optimizerState: serializeState(await trainer.optimizer.stateDict()),
    rngs: { weights: root, shuffle: root.fold('shuffle'), dropout: root.fold('dropout') },
    metadata: state,
  });
  if (position.epoch > state.settings.epochs) {
    await writeFileAtomic(
      join(dir, weightsFile(state.settings, state.current.optimizer)),
      await finalWeights(trainer, { optimizer: state.current.optimizer, epochs: String(state.settings.epochs) }),
    );
  }
}

/**
 * The weights a run ships, as a safetensors file: the model's parameters and buffers, except that
 * under a schedule-free optimizer the parameters are its evaluation point `x`
 * (`scheduleFreeEvalParams`, where the job measures test accuracy) instead of the training point
 * `y` the model holds; as the authors' reference, which is put in eval mode before saving. The
 * model is left holding `y` (the same values, in new tensors).
 */
async function finalWeights(trainer: Trainer, metadata: Readonly<Record<string, string>>): Promise<Uint8Array> {
  const { model, optimizer } = trainer;
  if (!hasScheduleFreeState(optimizer.state)) return saveWeights(model, { metadata });
  const y = model.parameters();
  const copy = mapTree(y, (t) => t.backend.mul(t, 1), 'finalWeights');
  model.setParameters(scheduleFreeEvalParams(optimizer.state, y));
  try {
    return await saveWeights(model, { metadata });
  } finally {
    model.setParameters(copy);
  }
}

/** A run folder's checkpoint: its state, and how to load its weights and optimizer state into a trainer. */
export async function readRunCheckpoint(dir: string): Promise<{ state: RunState; restore: (trainer: Trainer) => void }> {
  const ckpt = await loadCheckpoint(join(dir, CHECKPOINT_FILE));
  const state = ckpt.metadata as RunState;
  if (state?.program !== 'downhill-example-mnist' || !state.current?.position)
    throw new CheckpointError(`'${join(dir, CHECKPOINT_FILE)}' is a checkpoint, but not one of this program`);
  return {
    state,
    restore: (trainer) =>
      restoreCheckpoint(ckpt, { model: trainer.model, loadOptimizerState: (s) => trainer.optimizer.loadStateDict(deserializeState(s)) }),
  };
}
