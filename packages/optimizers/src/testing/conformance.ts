import { checkOptions } from '@downhill/backend';
import type { Backend } from '@downhill/backend';
import { beforeAll, describe, it } from 'vitest';
import type { OptimizerOptions } from '../plugins/registry.js';
import type { GradientTransformation } from '../types.js';
import { defaultConformanceBackends, startBackend, type ConformanceBackend } from './backends.js';
import { CONFORMANCE_CHECKS, type ConformanceCheck, type ProblemSettings } from './checks.js';

/** Options of {@link describeOptimizerConformance}. */
export interface ConformanceOptions {
  /** The backends to run on (default {@link defaultConformanceBackends}: cpu, and tfjs-cpu where installed). */
  readonly backends?: readonly ConformanceBackend[];
  /** Options passed to the factory besides `lr` (`{ b1: 0.9 }`). */
  readonly options?: Readonly<Record<string, unknown>>;
  /** The convex quadratic (start loss ≈ 94, condition number 20): default `{ lr: 0.1, steps: 200, tolerance: 1e-3 }`. */
  readonly quadratic?: Partial<ProblemSettings>;
  /** Rosenbrock from (−1.2, 1) (start loss 24.2): default `{ lr: 0.05, steps: 1000, tolerance: 1e-2 }`. */
  readonly rosenbrock?: Partial<ProblemSettings>;
  /** Checks to leave out, each with the reason (printed). */
  readonly skip?: Partial<Record<ConformanceCheck, string>>;
}

const DEFAULTS = {
  quadratic: { lr: 0.1, steps: 200, tolerance: 1e-3 },
  rosenbrock: { lr: 0.05, steps: 1000, tolerance: 1e-2 },
} as const;

/**
 * The optimizer conformance kit: registers vitest suites that check an optimizer against what
 * every downhill optimizer promises, on every backend available. Call it from a test file of your
 * plugin (vitest is an optional peer dependency of `@downhill/optimizers`, needed only here).
 *
 * Checks, on each backend (cpu always; tfjs-cpu where `@downhill/backend-tfjs` can be imported;
 * a backend that cannot start is skipped with the reason printed):
 *
 * - `plain-state`: `init` gives plain data (tensors, numbers, strings, records, arrays) that encodes to JSON;
 * - `quadratic`: converges on an ill-conditioned convex quadratic over a nested parameter tree;
 * - `rosenbrock`: converges on the Rosenbrock function (non-convex), analytic gradients;
 * - `no-mutation`: `update` and a pure `step` leave parameters, gradients and state as they were;
 * - `state-roundtrip`: save mid-run, load into a fresh optimizer, continue: bitwise the same parameters and state;
 * - `stable-structure`: the state has the same keys, dtypes and shapes after steps as after `init`;
 * - `non-finite`: a NaN gradient does not crash a step, and under `applyIfFinite` the step is skipped
 *   with parameters and inner state untouched;
 * - `flat-memory`: the live tensor count stays flat over steps;
 * - `bad-input`: `update` with the state of other parameters throws a typed error, and a stateful
 *   optimizer given gradients for other parameters throws a typed error and changes nothing;
 * - `fused-composed`: where the backend compiles programs, `step(..., { fused: true })` reports
 *   `path: 'fused'` and agrees with `{ fused: false }` (parameters and state after each of four
 *   steps, pure and in place) within 1e-12 (float64) and 2e-5 (float32) relative; elsewhere,
 *   `fused: true` is refused with a `FusionUnavailableError`.
 *
 * @param name - The optimizer's name, for the suite's title.
 * @param factory - `({ lr, ...options }) => GradientTransformation`, as registered with `registerOptimizer`.
 * @param options - See {@link ConformanceOptions}: backends, factory options, problem settings, skips.
 *
 * @example
 * ```ts
 * // adabelief.test.ts
 * import { describeOptimizerConformance } from '@downhill/optimizers/testing';
 * import { adabelief } from './adabelief.js';
 * describeOptimizerConformance('adabelief', ({ lr }) => adabelief(lr), { rosenbrock: { lr: 0.02 } });
 * ```
 */
export function describeOptimizerConformance(
  name: string,
  factory: (options: OptimizerOptions) => GradientTransformation<any>,
  options: ConformanceOptions = {},
): void {
  checkOptions('describeOptimizerConformance', options, { backends: true, options: true, quadratic: true, rosenbrock: true, skip: true });
  const backends = options.backends ?? defaultConformanceBackends();
  const quad = { ...DEFAULTS.quadratic, ...options.quadratic };
  const rosen = { ...DEFAULTS.rosenbrock, ...options.rosenbrock };
  const make = (lr: number) => factory({ ...options.options, lr });

  describe(`optimizer conformance: ${name}`, () => {
    for (const candidate of backends) {
      describe(`on ${candidate.name}`, () => {
        let backend: Backend | undefined;
        let unavailable: string | undefined;
        beforeAll(async () => {
          const r = await startBackend(candidate);
          backend = r.backend;
          unavailable = r.reason;
          if (!backend) console.warn(`[optimizer conformance] ${name}: skipping backend '${candidate.name}': ${unavailable}`);
        });

        for (const [id, spec] of Object.entries(CONFORMANCE_CHECKS) as [
          ConformanceCheck,
          (typeof CONFORMANCE_CHECKS)[ConformanceCheck],
        ][]) {
          it(`${id}: ${spec.title}`, async (ctx) => {
            const reason = options.skip?.[id];
            if (reason !== undefined) {
              console.warn(`[optimizer conformance] ${name} on ${candidate.name}: skipping '${id}': ${reason}`);
              ctx.skip(reason);
            }
            if (!backend) ctx.skip(`backend '${candidate.name}' is unavailable: ${unavailable}`);
            await spec.run({ name, backend: backend!, make, quadratic: quad, rosenbrock: rosen });
          });
        }
      });
    }
  });
}
