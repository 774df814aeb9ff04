/**
 * Conformance cases that backend-tfjs cannot pass, per TensorFlow.js backend, with the reason.
 * Keys are case ids of `@downhill/backend/conformance` (or `id@float32`); the suite fails when a
 * key names no case, so this list stays honest. float64 cases do not run: tfjs has no float64.
 */
export const TFJS_CPU_EXCLUSIONS: Readonly<Record<string, string>> = {};

/** See {@link TFJS_CPU_EXCLUSIONS}. */
export const TFJS_WASM_EXCLUSIONS: Readonly<Record<string, string>> = {};
