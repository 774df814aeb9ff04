import {
  DownhillError,
  InvalidArgumentError,
  fmtShape,
  shapesEqual,
  type Backend,
  type Tensor,
  type TypedArray,
  checkOptions,
} from '@downhill/backend';
import type { Module, Slot } from './module.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsEntry } from './safetensors.js';

/**
 * Saved weights that do not fit a model: names it lacks (`missing`), names it does not have
 * (`unexpected`), or entries whose shape or dtype differ (`mismatched`). The message names each.
 */
export class WeightsMismatchError extends DownhillError {
  /** Names the model has and the saved weights lack. */
  readonly missing: readonly string[];
  /** Names in the saved weights the model does not have. */
  readonly unexpected: readonly string[];
  /** Names whose saved shape or dtype differs from the model's. */
  readonly mismatched: readonly string[];
  constructor(
    message: string,
    { missing = [], unexpected = [], mismatched = [] }: { missing?: string[]; unexpected?: string[]; mismatched?: string[] },
  ) {
    super('WEIGHTS_MISMATCH', message);
    this.missing = missing;
    this.unexpected = unexpected;
    this.mismatched = mismatched;
  }
}

/** Options of {@link saveWeights}. */
export interface SaveWeightsOptions {
  /** Extra `__metadata__` strings (downhill adds `format: 'downhill'`). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Options of {@link loadWeights}. */
export interface LoadWeightsOptions {
  /**
   * Require exactly the model's names (default true). With `false`, names the file lacks keep their
   * current values and names the model lacks are ignored; mis-shaped entries are errors either way.
   */
  readonly strict?: boolean;
  /** Where to make the tensors when the model has none yet (not initialized); default the backend of its current tensors. */
  readonly backend?: Backend;
}

function slotsOf(model: Module): [string, Slot][] {
  return [...model._slots('parameter'), ...model._slots('buffer')].map((s) => [s.path, s.slot]);
}

/** @internal every parameter and buffer of the model with its dotted path; throws for one without a tensor. */
export function heldTensors(model: Module): [string, Tensor][] {
  return slotsOf(model).map(([path, slot]) => {
    if (!slot.value || slot.value.disposed)
      throw new InvalidArgumentError(`saveWeights: '${path}' has no tensor; initialize the model (model.init) first`);
    return [path, slot.value];
  });
}

function encode(rows: [string, Tensor][], data: TypedArray[], metadata: Readonly<Record<string, string>>): Uint8Array {
  const entries = rows.map(([name, t], i) => [name, { dtype: t.dtype, shape: t.shape, data: data[i] }] as const);
  return encodeSafetensors(entries, { format: 'downhill', ...metadata });
}

/**
 * The model's parameters and buffers, by dotted name, as a safetensors file (readable by the
 * `safetensors` Python and Rust packages, `numpy`/`torch` through them, and any other reader of the
 * format). Values are read back from the backend, hence async.
 *
 * @param model - an initialized module.
 * @param options - `metadata` strings to add.
 * @returns the file's bytes.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * await writeFile('mlp.safetensors', await saveWeights(model));
 * ```
 */
export async function saveWeights(model: Module, options: SaveWeightsOptions = {}): Promise<Uint8Array> {
  const { metadata = {} } = checkOptions('saveWeights', options, { metadata: true });
  const rows = heldTensors(model);
  const data = await Promise.all(rows.map(([, t]) => t.read()));
  return encode(rows, data, metadata);
}

/** {@link saveWeights} on a backend with synchronous reads (`capabilities.syncRead`, such as cpu). */
export function saveWeightsSync(model: Module, options: SaveWeightsOptions = {}): Uint8Array {
  const { metadata = {} } = checkOptions('saveWeightsSync', options, { metadata: true });
  const rows = heldTensors(model);
  return encode(
    rows,
    rows.map(([, t]) => t.backend.readSync(t)),
    metadata,
  );
}

/**
 * Loads weights by dotted name from a safetensors file into a model. Everything is checked before
 * anything changes: names missing from the file, names the model does not have (with `strict`),
 * shapes and dtypes; any problem throws one {@link WeightsMismatchError} naming every offending
 * entry and leaves the model exactly as it was. Then every new tensor is made, and only then are
 * they swapped in (the old ones are released).
 *
 * dtypes: an initialized model keeps its dtypes (a float64 file does not load into a float32 model);
 * a model without tensors takes the file's.
 *
 * @param model - the module to load into.
 * @param bytes - a safetensors file (from {@link saveWeights} or another tool).
 * @param options - `strict` (default true), `backend` (for a model without tensors).
 * @throws WeightsMismatchError; SafetensorsError for a malformed file.
 *
 * @example
 * ```ts
 * loadWeights(model, await readFile('mlp.safetensors'));
 * ```
 */
export function loadWeights(model: Module, bytes: Uint8Array, options: LoadWeightsOptions = {}): void {
  prepareWeights(model, bytes, options).commit();
}

/**
 * @internal Everything {@link loadWeights} does short of changing the model: decodes and checks the
 * file against the model (throwing when it does not fit) and makes the new tensors. `commit` swaps
 * them in; `discard` releases them. (Checkpoints check weights and optimizer state before changing
 * either.)
 */
export function prepareWeights(model: Module, bytes: Uint8Array, options: LoadWeightsOptions = {}): { commit(): void; discard(): void } {
  checkOptions('loadWeights', options, { strict: true, backend: true });
  return prepareEntries(model, decodeSafetensors(bytes).tensors, options);
}

/**
 * @internal {@link prepareWeights} from host entries already decoded (and renamed, for PyTorch's
 * layout); `where` names the calling function in messages; the paths in `keep` may be absent even
 * with `strict` (they keep their current tensors).
 */
export function prepareEntries(
  model: Module,
  tensors: ReadonlyMap<string, SafetensorsEntry>,
  options: LoadWeightsOptions = {},
  where = 'loadWeights',
  keep: ReadonlySet<string> = new Set(),
): { commit(): void; discard(): void } {
  const { strict = true, backend } = options;
  const slots = slotsOf(model);
  const missing: string[] = [];
  const mismatched: string[] = [];
  const problems: string[] = [];
  const rows: [Slot, SafetensorsEntry, string][] = [];
  for (const [path, slot] of slots) {
    const entry = tensors.get(path);
    const current = slot.value && !slot.value.disposed ? slot.value : undefined;
    if (!entry) {
      if ((strict && !keep.has(path)) || !current) {
        missing.push(path);
        problems.push(`'${path}' is missing from the file (the model expects ${fmtShape(slot.shape)})`);
      }
      continue;
    }
    if (!shapesEqual(entry.shape, slot.shape)) {
      mismatched.push(path);
      problems.push(`'${path}' has shape ${fmtShape(entry.shape)} in the file, the model expects ${fmtShape(slot.shape)}`);
    } else if (entry.dtype !== 'float32' && entry.dtype !== 'float64') {
      mismatched.push(path);
      problems.push(`'${path}' is ${entry.dtype} in the file, the model expects float32 or float64`);
    } else if (current && entry.dtype !== current.dtype) {
      mismatched.push(path);
      problems.push(`'${path}' is ${entry.dtype} in the file, the model holds ${current.dtype}`);
    } else rows.push([slot, entry, path]);
  }
  const known = new Set(slots.map(([p]) => p));
  const unexpected = strict ? [...tensors.keys()].filter((k) => !known.has(k)) : [];
  for (const k of unexpected) problems.push(`'${k}' is in the file but not in the model`);
  if (problems.length > 0) {
    throw new WeightsMismatchError(
      `${where}: the file does not fit ${model.constructor.name}; nothing was loaded:\n  ${problems.join('\n  ')}`,
      { missing, unexpected, mismatched },
    );
  }
  const target = backend ?? slots.map(([, s]) => s.value).find((t) => t && !t.disposed)?.backend;
  if (!target) throw new InvalidArgumentError(`${where}: the model holds no tensors yet; pass { backend } to say where to make them`);
  const made: Tensor[] = [];
  try {
    for (const [, entry] of rows) made.push(target.keep(target.tensor(entry.data, entry.shape, entry.dtype)));
  } catch (e) {
    for (const t of made) t.dispose();
    throw e;
  }
  return {
    commit: () => {
      model._commit(rows.map(([slot], i) => [slot, made[i]] as const));
      rows.forEach(([slot, entry], i) => slot.onLoad?.(made[i], entry.data));
    },
    discard: () => {
      for (const t of made) t.dispose();
    },
  };
}
