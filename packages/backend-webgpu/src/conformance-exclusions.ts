/**
 * Conformance cases the WebGPU backend cannot pass, with the reason (see `runConformanceSuite`).
 * A key is a case id, or `id@float32` for one dtype.
 */
export const WEBGPU_EXCLUSIONS: Readonly<Record<string, string>> = {};
