import { InvalidArgumentError, type DType, type TypedArray, allocateTyped, BYTES_PER_ELEMENT } from '@downhill/backend';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Standard base64 (RFC 4648, with padding) of bytes; portable (no `Buffer`, no `btoa`). */
export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += `${ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63]}==`;
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += `${ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63]}=`;
  }
  return out;
}

/** The bytes of a base64 string; throws `InvalidArgumentError` naming `where` on a malformed string. */
export function base64ToBytes(text: string, where: string): Uint8Array {
  if (typeof text !== 'string' || text.length % 4 !== 0) {
    throw new InvalidArgumentError(
      `${where}: expected base64 text whose length is a multiple of 4, got ${typeof text === 'string' ? `${text.length} characters` : typeof text}`,
    );
  }
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text.charCodeAt(i + j);
      const isPad = c === 61 && i + j >= text.length - pad;
      const v = isPad ? 0 : c < 128 ? LOOKUP[c] : -1;
      if (v < 0) throw new InvalidArgumentError(`${where}: invalid base64 character ${JSON.stringify(text[i + j])} at offset ${i + j}`);
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** The little-endian bytes of a typed array (a copy on big-endian hosts, a view otherwise). */
export function typedToLittleEndian(data: TypedArray): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return bytes;
  return swapBytes(bytes, data.BYTES_PER_ELEMENT);
}

/** A typed array of `dtype` from little-endian bytes; throws when the byte count does not fit `size` elements. */
export function littleEndianToTyped(bytes: Uint8Array, dtype: DType, size: number, where: string): TypedArray {
  const width = BYTES_PER_ELEMENT[dtype];
  if (bytes.length !== size * width) {
    throw new InvalidArgumentError(`${where}: ${dtype} data of ${size} elements needs ${size * width} bytes, got ${bytes.length}`);
  }
  const out = allocateTyped(dtype, size);
  const src = LITTLE_ENDIAN || width === 1 ? bytes : swapBytes(bytes, width);
  new Uint8Array(out.buffer).set(src);
  return out;
}

function swapBytes(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) for (let j = 0; j < width; j++) out[i + j] = bytes[i + width - 1 - j];
  return out;
}
