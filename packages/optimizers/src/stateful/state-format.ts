import { DTYPES, DownhillError, Tensor, checkShape, fmtShape, sizeOf, type Backend, type DType, checkOptions } from '@downhill/backend';
import type { OptState } from '../types.js';
import { base64ToBytes, bytesToBase64, littleEndianToTyped, typedToLittleEndian } from './base64.js';

/** The `format` field of every saved optimizer state. */
export const STATE_FORMAT = 'downhill-optimizer-state' as const;
/** The version of the format this package writes and reads. */
export const STATE_FORMAT_VERSION = 1 as const;

/** A tensor in saved state: dtype, shape and base64 of its little-endian bytes (row-major). */
export interface EncodedTensor {
  /** The dtype, the shape, and the base64 of the little-endian, row-major bytes. */
  readonly $tensor: { readonly dtype: DType; readonly shape: readonly number[]; readonly data: string };
}

/** A number JSON cannot hold (`NaN`, `Infinity`, `-Infinity`, `-0`), in saved state. */
export interface EncodedNumber {
  /** The number JSON cannot hold. */
  readonly $number: 'NaN' | 'Infinity' | '-Infinity' | '-0';
}

/**
 * Optimizer state as JSON: the state tree with every tensor replaced by an {@link EncodedTensor}.
 * Record keys that begin with `$` are written with one more `$` (`$x` → `$$x`).
 */
export type EncodedState =
  | number
  | boolean
  | string
  | null
  | EncodedNumber
  | EncodedTensor
  | readonly EncodedState[]
  | { readonly [key: string]: EncodedState };

/** A parameter as a saved state remembers it. */
export interface ParamSpec {
  /** The parameter's dtype. */
  readonly dtype: DType;
  /** The parameter's shape. */
  readonly shape: readonly number[];
}

/**
 * Saved optimizer state (`Optimizer.stateDict()`): plain JSON, keyed by parameter name, never by
 * position.
 *
 * ```json
 * {
 *   "format": "downhill-optimizer-state", "version": 1,
 *   "optimizer": "adam", "hyperparams": { "lr": 0.001 }, "step": 120,
 *   "params": { "dense1.kernel": { "dtype": "float32", "shape": [784, 256] } },
 *   "state": { "count": 120, "mu": { "dense1": { "kernel": { "$tensor": { "dtype": "float32", "shape": [784, 256], "data": "AACAPw..." } } } } }
 * }
 * ```
 *
 * `state` is the transformation's state tree as it is in memory, with each tensor written as
 * `{ "$tensor": { dtype, shape, data } }` where `data` is the base64 of the tensor's little-endian
 * bytes in row-major order; non-finite numbers are `{ "$number": "NaN" }` and the like.
 */
export interface OptimizerStateDict {
  /** Always `downhill-optimizer-state`. */
  readonly format: typeof STATE_FORMAT;
  /** The version of this format. */
  readonly version: typeof STATE_FORMAT_VERSION;
  /** The registry name the optimizer was made under, or the name given to the `Optimizer`, or `custom`. */
  readonly optimizer: string;
  /** Hyperparameters injected into the state (`lr`, ...), for people reading the file; the state holds them too. */
  readonly hyperparams: Readonly<Record<string, number>>;
  /** Steps taken when saved. */
  readonly step: number;
  /** Every parameter by dotted name, with its dtype and shape. */
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** The state tree. */
  readonly state: EncodedState;
}

/** Saved state that does not fit: another format or version, or state saved for other parameters. */
export class StateMismatchError extends DownhillError {
  constructor(message: string) {
    super('STATE_MISMATCH', message);
  }
}

const escapeKey = (k: string) => (k.startsWith('$') ? `$${k}` : k);
const unescapeKey = (k: string) => (k.startsWith('$$') ? k.slice(1) : k);

/**
 * Encodes a state tree as JSON-ready data, reading every tensor back from its backend (hence async;
 * on a backend with synchronous reads the snapshot is complete before the first `await`).
 *
 * @example
 * ```ts
 * const json = JSON.stringify(await encodeState(tx.init(params)));
 * ```
 */
export async function encodeState(state: OptState): Promise<EncodedState> {
  const pending: Promise<void>[] = [];
  const walk = (v: unknown, path: string): EncodedState => {
    if (v instanceof Tensor) {
      const holder = { dtype: v.dtype, shape: [...v.shape], data: '' };
      // Read synchronously where the backend can: the snapshot is then taken before this function
      // yields, so a step that runs meanwhile cannot change what is saved.
      if (v.backend.capabilities.syncRead) holder.data = bytesToBase64(typedToLittleEndian(v.backend.readSync(v)));
      else pending.push(v.read().then((d) => void (holder.data = bytesToBase64(typedToLittleEndian(d)))));
      return { $tensor: holder };
    }
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return { $number: 'NaN' };
      if (v === Infinity) return { $number: 'Infinity' };
      if (v === -Infinity) return { $number: '-Infinity' };
      if (Object.is(v, -0)) return { $number: '-0' };
      return v;
    }
    if (typeof v === 'boolean' || typeof v === 'string' || v === null) return v;
    if (Array.isArray(v)) return v.map((x, i) => walk(x, join(path, String(i))));
    if (isRecord(v)) {
      const out: Record<string, EncodedState> = {};
      for (const [k, x] of Object.entries(v)) out[escapeKey(k)] = walk(x, join(path, k));
      return out;
    }
    throw new StateMismatchError(
      `encodeState: state entry '${path || '(root)'}' is ${describe(v)}; state holds tensors, numbers, booleans, strings, null, arrays and plain records only`,
    );
  };
  const out = walk(state, '');
  await Promise.all(pending);
  return out;
}

/**
 * Decodes saved state into live state on `backend` (the inverse of {@link encodeState}). Checks
 * every tensor's dtype, shape and byte count first and creates nothing when one is wrong.
 *
 * @throws {@link StateMismatchError} naming the entry that does not decode.
 */
export function decodeState(encoded: EncodedState, backend: Backend): OptState {
  const made: Tensor[] = [];
  const walk = (v: unknown, path: string, build: boolean): OptState => {
    if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number') return v;
    if (Array.isArray(v)) return v.map((x, i) => walk(x, join(path, String(i)), build));
    if (isRecord(v)) {
      if ('$tensor' in v) {
        const spec = checkEncodedTensor(v as unknown as EncodedTensor, path);
        if (!build) return null;
        const t = backend.tensor(spec.typed, spec.shape, spec.dtype);
        made.push(t);
        return t;
      }
      if ('$number' in v) return decodeNumber(v as unknown as EncodedNumber, path);
      const out: Record<string, OptState> = {};
      for (const [k, x] of Object.entries(v)) out[unescapeKey(k)] = walk(x, join(path, unescapeKey(k)), build);
      return out;
    }
    throw new StateMismatchError(`decodeState: entry '${path || '(root)'}' is ${describe(v)}, not saved state`);
  };
  walk(encoded, '', false);
  try {
    return walk(encoded, '', true);
  } catch (e) {
    backend.dispose(made);
    throw e;
  }
}

/** Checks an encoded tensor and returns its host data. */
export function checkEncodedTensor(
  v: EncodedTensor,
  path: string,
): { dtype: DType; shape: number[]; typed: ReturnType<typeof littleEndianToTyped> } {
  const where = `state entry '${path || '(root)'}'`;
  const t = v.$tensor as Partial<EncodedTensor['$tensor']> | undefined;
  if (!isRecord(t) || !DTYPES.includes(t.dtype as DType) || !Array.isArray(t.shape) || typeof t.data !== 'string') {
    throw new StateMismatchError(
      `${where}: expected { $tensor: { dtype, shape, data } } with a dtype of ${DTYPES.join(', ')}, got ${JSON.stringify(t)?.slice(0, 120)}`,
    );
  }
  try {
    checkShape(t.shape, where);
    const typed = littleEndianToTyped(
      base64ToBytes(t.data, where),
      t.dtype as DType,
      sizeOf(t.shape),
      `${where} (${t.dtype} ${fmtShape(t.shape)})`,
    );
    return { dtype: t.dtype as DType, shape: [...t.shape], typed };
  } catch (e) {
    throw new StateMismatchError(e instanceof Error ? e.message : String(e));
  }
}

function decodeNumber(v: EncodedNumber, path: string): number {
  switch (v.$number) {
    case 'NaN':
      return NaN;
    case 'Infinity':
      return Infinity;
    case '-Infinity':
      return -Infinity;
    case '-0':
      return -0;
    default:
      throw new StateMismatchError(
        `state entry '${path}': unknown $number ${JSON.stringify(v.$number)} (expected NaN, Infinity, -Infinity or -0)`,
      );
  }
}

/**
 * Writes a state dict as JSON text, or as the UTF-8 bytes of that text with `{ binary: true }`.
 *
 * @example
 * ```ts
 * fs.writeFileSync('opt.json', serializeState(await opt.stateDict()));
 * opt.loadStateDict(deserializeState(fs.readFileSync('opt.json', 'utf8')));
 * ```
 */
export function serializeState(dict: OptimizerStateDict): string;
export function serializeState(dict: OptimizerStateDict, options: { binary: true }): Uint8Array;
export function serializeState(dict: OptimizerStateDict, options: { binary?: boolean } = {}): string | Uint8Array {
  checkOptions('serializeState', options, { binary: true });
  checkHeader(dict, 'serializeState');
  const text = JSON.stringify(dict);
  return options.binary ? new TextEncoder().encode(text) : text;
}

/**
 * Reads a state dict written by {@link serializeState} (text or UTF-8 bytes) and checks its header.
 * Tensors stay encoded until `Optimizer.loadStateDict` (or {@link decodeState}) puts them on a backend.
 *
 * @throws {@link StateMismatchError} for text that is not JSON, another format, or another version.
 */
export function deserializeState(input: string | Uint8Array): OptimizerStateDict {
  let text: string;
  if (typeof input === 'string') text = input;
  else if (input instanceof Uint8Array) text = new TextDecoder('utf-8', { fatal: false }).decode(input);
  else throw new StateMismatchError(`deserializeState: expected a string or a Uint8Array, got ${describe(input)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new StateMismatchError(`deserializeState: the input is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  checkHeader(parsed, 'deserializeState');
  return parsed as OptimizerStateDict;
}

/** Throws unless `dict` has this format's header and fields. */
export function checkHeader(dict: unknown, where: string): asserts dict is OptimizerStateDict {
  if (!isRecord(dict)) throw new StateMismatchError(`${where}: expected a state dict object, got ${describe(dict)}`);
  if (dict.format !== STATE_FORMAT) {
    throw new StateMismatchError(`${where}: expected format '${STATE_FORMAT}', got ${JSON.stringify(dict.format)}`);
  }
  if (dict.version !== STATE_FORMAT_VERSION) {
    throw new StateMismatchError(
      `${where}: this package reads version ${STATE_FORMAT_VERSION} of '${STATE_FORMAT}', got version ${JSON.stringify(dict.version)}`,
    );
  }
  if (typeof dict.step !== 'number' || !Number.isInteger(dict.step) || dict.step < 0) {
    throw new StateMismatchError(`${where}: 'step' must be a non-negative integer, got ${JSON.stringify(dict.step)}`);
  }
  const fields = ['format', 'version', 'optimizer', 'hyperparams', 'step', 'params', 'state'];
  const extra = Object.keys(dict).filter((k) => !fields.includes(k));
  if (extra.length)
    throw new StateMismatchError(
      `${where}: unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')}; a state dict has ${fields.join(', ')}`,
    );
  if (typeof dict.optimizer !== 'string')
    throw new StateMismatchError(`${where}: 'optimizer' must be the optimizer's name (a string), got ${describe(dict.optimizer)}`);
  if (!isRecord(dict.hyperparams))
    throw new StateMismatchError(`${where}: 'hyperparams' must map names to numbers, got ${describe(dict.hyperparams)}`);
  for (const [name, v] of Object.entries(dict.hyperparams)) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new StateMismatchError(`${where}: hyperparameter '${name}' must be a finite number, got ${describe(v)}`);
  }
  if (!isRecord(dict.params))
    throw new StateMismatchError(`${where}: 'params' must map parameter names to { dtype, shape }, got ${describe(dict.params)}`);
  for (const [name, spec] of Object.entries(dict.params)) {
    const okShape = isRecord(spec) && Array.isArray(spec.shape) && spec.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0);
    if (
      !isRecord(spec) ||
      !DTYPES.includes(spec.dtype as DType) ||
      !okShape ||
      Object.keys(spec).some((k) => k !== 'dtype' && k !== 'shape')
    ) {
      throw new StateMismatchError(
        `${where}: parameter '${name}' must be described as { dtype, shape } with a dtype of ${DTYPES.join(', ')} and non-negative integer sizes, got ${JSON.stringify(spec)}`,
      );
    }
  }
  if (!('state' in dict)) throw new StateMismatchError(`${where}: the dict has no 'state'`);
}

/** @internal */
export function isRecord(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Tensor) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** @internal */
export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** @internal */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (v instanceof Tensor) return v.toString();
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'Object'})`;
  return `${typeof v} ${String(v)}`;
}
