import { DownhillError, checkOptions, sizeOf, type DType, type TypedArray } from '@downhill/backend';

/**
 * A file that is not valid safetensors (a bad header length, malformed JSON, offsets that overlap,
 * leave gaps or run past the end, an unknown dtype, a data size that does not match the shape).
 */
export class SafetensorsError extends DownhillError {
  constructor(message: string) {
    super('SAFETENSORS_FORMAT', message);
  }
}

/** One tensor of a safetensors file, on the host. */
export interface SafetensorsEntry {
  /** The tensor's dtype. */
  readonly dtype: DType;
  /** The tensor's shape. */
  readonly shape: readonly number[];
  /** Row-major values (a `Uint8Array` of 0 and 1 for `bool`). */
  readonly data: TypedArray;
}

/** The dtype names safetensors uses for downhill's dtypes. */
export const SAFETENSORS_DTYPES: Readonly<Record<DType, string>> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };
// I64 (PyTorch's integer dtype, e.g. BatchNorm's num_batches_tracked) reads as int32 when every value fits.
const FROM_NAME: Readonly<Record<string, DType>> = { F32: 'float32', F64: 'float64', I32: 'int32', I64: 'int32', BOOL: 'bool' };
const FILE_BYTES: Readonly<Record<string, number>> = { F32: 4, F64: 8, I32: 4, I64: 8, BOOL: 1 };
const BYTES: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int32: 4, bool: 1 };
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const MAX_HEADER = 100_000_000;

function toBytes(data: TypedArray, dtype: DType): Uint8Array {
  const bytes = new Uint8Array(data.length * BYTES[dtype]);
  if (LITTLE_ENDIAN_HOST || dtype === 'bool') {
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return bytes;
  }
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) {
    if (dtype === 'float32') view.setFloat32(i * 4, data[i], true);
    else if (dtype === 'float64') view.setFloat64(i * 8, data[i], true);
    else view.setInt32(i * 4, data[i], true);
  }
  return bytes;
}

/** int32 values from I64 bytes; throws (naming the entry) for a value outside the int32 range. */
function fromInt64(bytes: Uint8Array, name: string): Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int32Array(bytes.length / 8);
  for (let i = 0; i < out.length; i++) {
    const v = view.getBigInt64(i * 8, true);
    if (v < -2147483648n || v > 2147483647n)
      throw new SafetensorsError(
        `decodeSafetensors: '${name}' is I64 and holds ${v} at index ${i}, outside the int32 range downhill reads I64 into`,
      );
    out[i] = Number(v);
  }
  return out;
}

function toInt64Bytes(data: TypedArray): Uint8Array {
  const bytes = new Uint8Array(data.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setBigInt64(i * 8, BigInt(data[i]), true);
  return bytes;
}

function fromBytes(bytes: Uint8Array, dtype: DType): TypedArray {
  const n = bytes.length / BYTES[dtype];
  // Copy into a new, aligned buffer of exactly this size. Never `bytes.slice()`: a Node `Buffer`'s
  // `slice` is a view of the same memory (often a pool shared with other data, at any offset), so
  // its `.buffer` at byte 0 is not these bytes.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  if (dtype === 'bool') return copy;
  if (LITTLE_ENDIAN_HOST) {
    if (dtype === 'float32') return new Float32Array(copy.buffer, 0, n);
    if (dtype === 'float64') return new Float64Array(copy.buffer, 0, n);
    return new Int32Array(copy.buffer, 0, n);
  }
  const view = new DataView(copy.buffer);
  const out = dtype === 'float32' ? new Float32Array(n) : dtype === 'float64' ? new Float64Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++)
    out[i] =
      dtype === 'float32' ? view.getFloat32(i * 4, true) : dtype === 'float64' ? view.getFloat64(i * 8, true) : view.getInt32(i * 4, true);
  return out;
}

/**
 * Encodes named host tensors as a safetensors file: an 8-byte little-endian header length, a JSON
 * header (`{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__ }`, padded with spaces
 * to a multiple of 8 bytes), then the raw little-endian data in header order, without gaps.
 *
 * @param tensors - name → entry, written in this order.
 * @param metadata - string → string, stored as `__metadata__` (omitted when empty).
 * @param options - `int64`: names of int32 entries to store as `I64` (PyTorch's integer dtype, as its
 *   BatchNorm's `num_batches_tracked`); default none.
 * @returns the file's bytes.
 *
 * @example
 * ```ts
 * const bytes = encodeSafetensors([['w', { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) }]]);
 * ```
 *
 * The format: https://huggingface.co/docs/safetensors
 */
export function encodeSafetensors(
  tensors: readonly (readonly [string, SafetensorsEntry])[],
  metadata: Readonly<Record<string, string>> = {},
  options: { readonly int64?: readonly string[] } = {},
): Uint8Array {
  const wide = new Set(checkOptions('encodeSafetensors', options, { int64: true }).int64 ?? []);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata))
      if (typeof v !== 'string') throw new SafetensorsError(`encodeSafetensors: metadata '${k}' must be a string, got ${typeof v}`);
    header.__metadata__ = { ...metadata };
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, { dtype, shape, data }] of tensors) {
    if (name === '__metadata__' || name in header)
      throw new SafetensorsError(`encodeSafetensors: the name '${name}' is reserved or repeated`);
    if (!(dtype in SAFETENSORS_DTYPES))
      throw new SafetensorsError(`encodeSafetensors: '${name}' has dtype ${String(dtype)}, which has no safetensors name here`);
    if (data.length !== sizeOf(shape))
      throw new SafetensorsError(`encodeSafetensors: '${name}' has ${data.length} values for shape [${shape.join(', ')}]`);
    if (wide.has(name) && dtype !== 'int32')
      throw new SafetensorsError(`encodeSafetensors: '${name}' is ${dtype}; only int32 entries can be stored as I64`);
    const bytes = wide.has(name) ? toInt64Bytes(data) : toBytes(data, dtype);
    const fileDtype = wide.has(name) ? 'I64' : SAFETENSORS_DTYPES[dtype];
    header[name] = { dtype: fileDtype, shape: [...shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Decodes a safetensors file into named host tensors, validating it as the reference reader does:
 * the header length fits, the JSON is an object, each entry has a known dtype, a shape of
 * non-negative integers and offsets whose length matches the shape, and the offsets tile the data
 * section exactly (no overlap, no gap, nothing left over). `I64` entries (PyTorch's integers) read
 * as int32 when every value fits; a value outside the int32 range is an error.
 *
 * @param bytes - the file.
 * @returns the tensors in header order, and the metadata.
 * @throws SafetensorsError naming what is wrong (and the tensor, where there is one).
 *
 * @example
 * ```ts
 * const { tensors, metadata } = decodeSafetensors(bytes);
 * tensors.get('dense.kernel'); // { dtype: 'float32', shape: [4, 3], data: Float32Array(12) }
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array): { tensors: Map<string, SafetensorsEntry>; metadata: Record<string, string> } {
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError(`decodeSafetensors: expected a Uint8Array, got ${typeof bytes}`);
  if (bytes.length < 8) throw new SafetensorsError(`decodeSafetensors: ${bytes.length} bytes is too short for the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(Math.min(MAX_HEADER, bytes.length - 8)))
    throw new SafetensorsError(`decodeSafetensors: the header length ${n} runs past the end of the ${bytes.length}-byte file`);
  const headerLength = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    throw new SafetensorsError(`decodeSafetensors: the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw new SafetensorsError('decodeSafetensors: the header must be a JSON object');
  const data = bytes.subarray(8 + headerLength);
  const metadata: Record<string, string> = {};
  const rows: [string, DType, number[], number, number, string][] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
        throw new SafetensorsError('decodeSafetensors: __metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw new SafetensorsError(`decodeSafetensors: __metadata__ '${k}' must be a string`);
        metadata[k] = v;
      }
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (e === null || typeof e !== 'object') throw new SafetensorsError(`decodeSafetensors: entry '${name}' is not an object`);
    const dtype = typeof e.dtype === 'string' && Object.hasOwn(FROM_NAME, e.dtype) ? FROM_NAME[e.dtype] : undefined;
    if (!dtype)
      throw new SafetensorsError(
        `decodeSafetensors: '${name}' has dtype ${JSON.stringify(e.dtype)}; supported: ${Object.keys(FROM_NAME).join(', ')}`,
      );
    const shape = e.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0))
      throw new SafetensorsError(`decodeSafetensors: '${name}' has shape ${JSON.stringify(shape)}, expected non-negative integers`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || off.some((o) => !Number.isSafeInteger(o) || o < 0) || off[1] < off[0]) {
      throw new SafetensorsError(
        `decodeSafetensors: '${name}' has data_offsets ${JSON.stringify(off)}, expected [begin, end] with 0 ≤ begin ≤ end`,
      );
    }
    const expected = sizeOf(shape) * FILE_BYTES[e.dtype as string];
    if (off[1] - off[0] !== expected)
      throw new SafetensorsError(
        `decodeSafetensors: '${name}' (${e.dtype} [${shape.join(', ')}]) needs ${expected} bytes but its offsets span ${off[1] - off[0]}`,
      );
    rows.push([name, dtype, shape, off[0], off[1], e.dtype as string]);
  }
  const sorted = [...rows].sort((a, b) => a[3] - b[3] || a[4] - b[4]);
  let end = 0;
  for (const [name, , , begin, stop] of sorted) {
    if (begin !== end)
      throw new SafetensorsError(
        `decodeSafetensors: '${name}' starts at byte ${begin} of the data, expected ${end} (offsets must tile the data without gaps or overlap)`,
      );
    end = stop;
  }
  if (end !== data.length)
    throw new SafetensorsError(`decodeSafetensors: the tensors cover ${end} bytes but the data section has ${data.length}`);
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [name, dtype, shape, begin, stop, fileDtype] of rows) {
    const bytes = data.subarray(begin, stop);
    tensors.set(name, { dtype, shape, data: fileDtype === 'I64' ? fromInt64(bytes, name) : fromBytes(bytes, dtype) });
  }
  return { tensors, metadata };
}
