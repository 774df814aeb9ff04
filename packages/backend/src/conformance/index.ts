/**
 * `@downhill/backend/conformance`: the backend conformance suite, written once and run by every
 * backend's own tests against the suite's own float64 JavaScript reference (`referenceBackend`).
 * Needs vitest (an optional peer dependency).
 *
 * @example
 * ```ts
 * import { runConformanceSuite } from '@downhill/backend/conformance';
 * import { cpu } from '@downhill/backend-cpu';
 * runConformanceSuite({ name: 'cpu', create: () => cpu(), dtypes: ['float32', 'float64'] });
 * ```
 *
 * @packageDocumentation
 */
export { runConformanceSuite, conformanceCases, unknownExclusions, type ConformanceOptions } from './run-suite.js';
export { DEFAULT_TOLERANCES, assertClose } from './compare.js';
export { referenceBackend } from './reference-backend.js';
export {
  mulberry32,
  type CaseContext,
  type CheckCase,
  type CheckContext,
  type ComputeCase,
  type FloatDType,
  type Tolerance,
} from './case.js';
export { SAMPLE_UPDATE_PROGRAM, sampleUpdateReference } from './sample-update-program.js';
