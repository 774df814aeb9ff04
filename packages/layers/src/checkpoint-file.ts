import { CheckpointError, decodeCheckpoint, encodeCheckpoint, type Checkpoint, type CheckpointContents } from './checkpoint.js';

type Fs = typeof import('node:fs/promises');
const FS = 'node:fs/promises';
const loadFs = (): Promise<Fs> => import(/* @vite-ignore */ FS) as Promise<Fs>;

/**
 * Writes `bytes` to `path` atomically: into a temporary file beside it, flushed to disk, then
 * renamed over `path` (and the folder flushed), so a crash or a kill at any moment leaves either
 * the previous file or the new one, whole. Node only.
 *
 * @param path - the file to write.
 * @param bytes - its new content.
 *
 * @example
 * ```ts
 * await writeFileAtomic('run/metrics.json', new TextEncoder().encode(json));
 * ```
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const fs = await loadFs();
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    const fh = await fs.open(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  try {
    const dir = await fs.open(slash > 0 ? path.slice(0, slash) : '.', 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Folders cannot be opened for flushing on every platform (Windows); the rename stands.
  }
}

/**
 * Saves a checkpoint ({@link encodeCheckpoint}) to a file atomically ({@link writeFileAtomic}):
 * the last good checkpoint survives a kill at any moment. Node only.
 *
 * @param path - the file (by convention `checkpoint.safetensors`).
 * @param contents - the model, the step, the optimizer state, keys and metadata.
 * @throws InvalidArgumentError (and the other checks of {@link encodeCheckpoint}) for contents it cannot
 *   save; CheckpointError when the file cannot be written (a missing folder, no permission). Either
 *   way a file already at `path` is left as it was.
 *
 * @example
 * ```ts
 * await saveCheckpoint('run/checkpoint.safetensors', { model, step, optimizerState: serializeState(await opt.stateDict()), metadata: { epoch } });
 * ```
 */
export async function saveCheckpoint(path: string, contents: CheckpointContents): Promise<void> {
  const bytes = await encodeCheckpoint(contents);
  try {
    await writeFileAtomic(path, bytes);
  } catch (e) {
    throw new CheckpointError(`saveCheckpoint: cannot write '${path}': ${(e as Error).message}; any file there is as it was`, { cause: e });
  }
}

/**
 * Reads a checkpoint file ({@link decodeCheckpoint}); nothing is loaded anywhere until
 * {@link restoreCheckpoint}. Node only.
 *
 * @param path - the file.
 * @returns the checkpoint.
 * @throws CheckpointError when there is no such file or it is not a checkpoint.
 *
 * @example
 * ```ts
 * const ckpt = await loadCheckpoint('run/checkpoint.safetensors');
 * ```
 */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  const fs = await loadFs();
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new CheckpointError(
      `loadCheckpoint: ${code === 'ENOENT' ? `no checkpoint at '${path}'` : `cannot read '${path}': ${(e as Error).message}`}`,
      { cause: e },
    );
  }
  return decodeCheckpoint(bytes, `loadCheckpoint('${path}')`);
}
