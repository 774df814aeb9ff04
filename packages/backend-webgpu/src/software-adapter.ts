/// <reference types="@webgpu/types" />

/** Names of the software rasterizers WebGPU runs on without a GPU: Mesa's llvmpipe, lavapipe and softpipe, Chromium's SwiftShader, Windows's WARP. */
const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|swrast|software rasterizer|microsoft basic render|\bwarp\b/i;

/**
 * Whether an adapter renders in software, and which: `isFallbackAdapter` (WebGPU's own flag), or
 * a vendor, architecture, device or description naming a software rasterizer (Mesa's llvmpipe
 * reports itself as an ordinary OpenGL ES device, with the flag false). WebGPU on such an adapter
 * is correct but slower than the CPU backends, often many times.
 *
 * @param adapter - The adapter, or its `info`.
 * @returns A short description of the software adapter, or `undefined` for a hardware one.
 *
 * @example
 * ```ts
 * softwareAdapter({ vendor: '', architecture: '', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: 'Mesa' }); // 'llvmpipe (LLVM 15.0.6, 256 bits), Mesa'
 * ```
 */
export function softwareAdapter(adapter: GPUAdapter | Partial<GPUAdapterInfo> | undefined): string | undefined {
  if (!adapter) return undefined;
  const a = adapter as { info?: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean }; isFallbackAdapter?: boolean };
  const info = (a.info ?? adapter) as Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean };
  const text = [info.device, info.description, info.vendor, info.architecture]
    .filter((s) => typeof s === 'string' && s.trim() !== '')
    .join(', ');
  if (a.isFallbackAdapter === true || info.isFallbackAdapter === true) return text ? `${text} (a fallback adapter)` : 'a fallback adapter';
  return SOFTWARE.test(text) ? text : undefined;
}
