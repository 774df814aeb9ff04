import { DownhillError, InvalidArgumentError, checkOptions } from '@downhill/backend';
import { Rng } from '@downhill/initializers';
import type { Module } from './module.js';
import { SafetensorsError, decodeSafetensors } from './safetensors.js';
import { prepareWeights, saveWeights } from './weights.js';

/** The `format` a checkpoint's safetensors metadata carries. */
const FORMAT = 'downhill-checkpoint';
const VERSION = '1';

/**
 * A checkpoint that cannot be read or does not fit: no file, not a checkpoint, a version this
 * package does not read, malformed fields, or weights or optimizer state that do not fit what they
 * are loaded into (the message names which). Nothing was changed when it is thrown.
 */
export class CheckpointError extends DownhillError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CHECKPOINT', message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** What a checkpoint holds, as {@link encodeCheckpoint} and {@link saveCheckpoint} take it. */
export interface CheckpointContents {
  /** The model: its parameters and buffers (BatchNorm statistics) are saved by dotted name. */
  readonly model: Module;
  /** The training step the checkpoint follows (steps done so far); a non-negative integer. */
  readonly step: number;
  /** The optimizer's state, serialized: `serializeState(await opt.stateDict())` of `@downhill/optimizers`. */
  readonly optimizerState?: string;
  /** Random keys to restore, by name (`{ dropout: key, shuffle: key }`). */
  readonly rngs?: Readonly<Record<string, Rng>>;
  /** Anything else, JSON-serializable: metrics so far, the epoch, the run's settings. */
  readonly metadata?: unknown;
}

/** A checkpoint read back: {@link decodeCheckpoint} and {@link loadCheckpoint} give it; {@link restoreCheckpoint} applies it. */
export interface Checkpoint {
  /** The step it was written after. */
  readonly step: number;
  /** The serialized optimizer state, as given (`deserializeState` of `@downhill/optimizers` reads it). */
  readonly optimizerState: string | undefined;
  /** The random keys, by name. */
  readonly rngs: Readonly<Record<string, Rng>>;
  /** The metadata, parsed. */
  readonly metadata: unknown;
  /** The whole file, a safetensors file of the weights: `loadWeights(model, checkpoint.weights)` reads it too. */
  readonly weights: Uint8Array;
}

/**
 * One file for everything training needs to continue: the model's weights as safetensors tensors,
 * and in its `__metadata__` the step, the optimizer state, the random keys and your metadata.
 * Python's `safetensors` reads the weights of it like any other file.
 *
 * @param contents - the model, the step and what else to keep.
 * @returns the file's bytes.
 * @throws InvalidArgumentError for a bad step, a key that is not an `Rng`, or metadata that is not JSON.
 *
 * @example
 * ```ts
 * const bytes = await encodeCheckpoint({ model, step, optimizerState: serializeState(await opt.stateDict()), rngs: { dropout: key } });
 * ```
 */
export async function encodeCheckpoint(contents: CheckpointContents): Promise<Uint8Array> {
  checkOptions('encodeCheckpoint', contents, { model: true, step: true, optimizerState: true, rngs: true, metadata: true });
  const { model, step, optimizerState, rngs = {}, metadata } = contents;
  const where = 'encodeCheckpoint';
  if (!Number.isSafeInteger(step) || step < 0)
    throw new InvalidArgumentError(`${where}: step must be a non-negative integer, got ${String(step)}`);
  if (optimizerState !== undefined && typeof optimizerState !== 'string')
    throw new InvalidArgumentError(
      `${where}: optimizerState must be the string of serializeState(await opt.stateDict()), got ${typeof optimizerState}`,
    );
  if (rngs === null || typeof rngs !== 'object' || Array.isArray(rngs))
    throw new InvalidArgumentError(
      `${where}: rngs must be a record of Rng keys by name ({ dropout: key }), got ${rngs === null ? 'null' : Array.isArray(rngs) ? 'an array' : typeof rngs}`,
    );
  const keys: Record<string, number[]> = {};
  for (const [name, key] of Object.entries(rngs)) {
    if (!(key instanceof Rng)) throw new InvalidArgumentError(`${where}: rngs.${name} must be an Rng from @downhill/initializers`);
    keys[name] = [...key.state];
  }
  let meta: string;
  try {
    meta = JSON.stringify(metadata ?? null);
  } catch (e) {
    throw new InvalidArgumentError(`${where}: metadata must be JSON-serializable (${(e as Error).message})`);
  }
  if (typeof meta !== 'string') throw new InvalidArgumentError(`${where}: metadata must be JSON-serializable, got a ${typeof metadata}`);
  const fields: Record<string, string> = {
    format: FORMAT,
    version: VERSION,
    step: String(step),
    rngs: JSON.stringify(keys),
    metadata: meta,
  };
  if (optimizerState !== undefined) fields.optimizerState = optimizerState;
  return saveWeights(model, { metadata: fields });
}

/**
 * Reads a checkpoint's bytes. Nothing is loaded anywhere: {@link restoreCheckpoint} does that.
 *
 * @param bytes - a file from {@link encodeCheckpoint} or {@link saveCheckpoint}.
 * @param where - named in error messages (the file's path, say).
 * @returns the checkpoint.
 * @throws CheckpointError when the bytes are not a checkpoint this version reads.
 *
 * @example
 * ```ts
 * const { step, metadata } = decodeCheckpoint(bytes);
 * ```
 */
export function decodeCheckpoint(bytes: Uint8Array, where = 'decodeCheckpoint'): Checkpoint {
  let metadata: Record<string, string>;
  try {
    ({ metadata } = decodeSafetensors(bytes));
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError(`${where}: not a checkpoint: ${e.message}`, { cause: e });
    throw e;
  }
  if (metadata.format !== FORMAT)
    throw new CheckpointError(
      `${where}: not a checkpoint: the file's metadata says format ${JSON.stringify(metadata.format ?? null)}, expected '${FORMAT}' (a weights file? read it with loadWeights)`,
    );
  if (metadata.version !== VERSION)
    throw new CheckpointError(
      `${where}: checkpoint version ${JSON.stringify(metadata.version)} is not one this package reads (${VERSION})`,
    );
  const step = Number(metadata.step);
  if (!/^\d+$/.test(metadata.step ?? '') || !Number.isSafeInteger(step))
    throw new CheckpointError(`${where}: the step ${JSON.stringify(metadata.step)} is not a non-negative integer`);
  const rngs: Record<string, Rng> = {};
  let parsed: unknown;
  try {
    const keys = JSON.parse(metadata.rngs ?? '{}') as Record<string, number[]>;
    for (const [name, state] of Object.entries(keys)) rngs[name] = Rng.fromState(state);
    parsed = JSON.parse(metadata.metadata ?? 'null');
  } catch (e) {
    throw new CheckpointError(`${where}: malformed keys or metadata: ${(e as Error).message}`, { cause: e });
  }
  return { step, optimizerState: metadata.optimizerState, rngs, metadata: parsed, weights: bytes };
}

/**
 * Loads a checkpoint into a model and (through your function) an optimizer, all or nothing: the
 * weights are checked against the model and made first, then `loadOptimizerState` runs (the
 * `Optimizer` of `@downhill/optimizers` checks a state against its parameters before changing
 * anything), and only when both succeed are the weights swapped in. On any error the model and the
 * optimizer are as they were.
 *
 * @param checkpoint - from {@link decodeCheckpoint} or {@link loadCheckpoint}.
 * @param target - `model`, and `loadOptimizerState` (required when the checkpoint has optimizer state).
 * @throws CheckpointError naming what did not fit (its `cause` is the original error).
 *
 * @example
 * ```ts
 * const ckpt = await loadCheckpoint('run/checkpoint.safetensors');
 * restoreCheckpoint(ckpt, { model, loadOptimizerState: (s) => opt.loadStateDict(deserializeState(s)) });
 * ```
 */
export function restoreCheckpoint(
  checkpoint: Checkpoint,
  target: { readonly model: Module; readonly loadOptimizerState?: (state: string) => void },
): void {
  const where = 'restoreCheckpoint';
  checkOptions(where, target, { model: true, loadOptimizerState: true });
  if (checkpoint.optimizerState !== undefined && !target.loadOptimizerState) {
    throw new CheckpointError(
      `${where}: the checkpoint holds optimizer state; pass loadOptimizerState (state) => opt.loadStateDict(deserializeState(state)), or drop it explicitly`,
    );
  }
  let prepared: ReturnType<typeof prepareWeights>;
  try {
    prepared = prepareWeights(target.model, checkpoint.weights);
  } catch (e) {
    if (e instanceof DownhillError)
      throw new CheckpointError(`${where}: the weights do not fit the model; nothing was loaded: ${e.message}`, { cause: e });
    throw e;
  }
  try {
    if (checkpoint.optimizerState !== undefined) target.loadOptimizerState!(checkpoint.optimizerState);
  } catch (e) {
    prepared.discard();
    throw new CheckpointError(`${where}: the optimizer state does not fit; nothing was loaded: ${(e as Error).message}`, { cause: e });
  }
  prepared.commit();
}
