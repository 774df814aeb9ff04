/**
 * Width and height from a PNG's IHDR chunk, after checking the 8-byte signature.
 *
 * @param png - the bytes of a PNG file.
 * @returns the image's size in pixels.
 * @throws Error when the bytes are not a PNG (no signature, or no IHDR chunk first).
 *
 * @example
 * ```ts
 * const { width, height } = pngSize((await renderVegaLite(spec)).png);
 * ```
 */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!signature.every((b, i) => png[i] === b)) throw new Error('not a PNG: bad signature');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (String.fromCharCode(...png.subarray(12, 16)) !== 'IHDR') throw new Error('not a PNG: no IHDR chunk first');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
