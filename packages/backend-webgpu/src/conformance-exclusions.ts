/**
 * Conformance cases the WebGPU backend cannot pass, with the reason (see `runConformanceSuite`).
 * A key is a case id, or `id@float32` for one dtype.
 */
export const WEBGPU_EXCLUSIONS: Readonly<Record<string, string>> = {
  'cast/float->int32 NaN, infinities and out of range':
    "saturation above 2³¹ gives 2³¹ − 128, not 2³¹ − 1: tfjs-webgpu's int32 fill and select pass through float32 (NaN to 0, −∞ and the in-range values are right)",
};
