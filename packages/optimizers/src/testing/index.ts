/**
 * `@downhill/optimizers/testing`: the optimizer conformance kit for plugin authors (and this
 * package's own tests). Needs vitest (an optional peer dependency) and, to run, a concrete backend
 * such as `@downhill/backend-cpu` among your dev dependencies.
 *
 * @packageDocumentation
 */
export { describeOptimizerConformance, type ConformanceOptions } from './conformance.js';
export { CONFORMANCE_CHECKS, type CheckContext, type ConformanceCheck, type ConformanceCheckSpec, type ProblemSettings } from './checks.js';
export { defaultConformanceBackends, startBackend, type ConformanceBackend } from './backends.js';
export { quadraticProblem, rosenbrockProblem, type TestProblem } from './problems.js';
export { stateStructure } from './state-structure.js';
export { FUSED_TOLERANCE, agreementGrads, agreementParams, checkFusedAgreement, type FusedAgreement } from './fused-agreement.js';
export { CLASSICS_CONFORMANCE } from './classics-conformance.js';
export { BUILT_IN_FUSION_CASES, fusionVariants, type FusionCase } from './built-in-fusion-cases.js';
export { syntheticHessianEstimate } from './hessian-estimates.js';
