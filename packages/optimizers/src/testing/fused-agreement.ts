import { Tensor, type Backend, type DType } from '@downhill/backend';
import { step, type StepResult } from '../step.js';
import { releaseReplaced, stateTensors } from '../tree.js';
import type { GradientTransformation, OptState, Params } from '../types.js';

/** Tolerances of {@link checkFusedAgreement}: the largest norm-wise relative difference allowed per tensor, by dtype. */
export const FUSED_TOLERANCE: Readonly<Record<'float32' | 'float64', number>> = { float32: 2e-5, float64: 1e-12 };

/** What {@link checkFusedAgreement} found. */
export interface FusedAgreement {
  /** The path every fused step reported (`'fused'` where the backend compiles programs). */
  readonly paths: readonly StepResult['path'][];
  /**
   * The largest norm-wise relative difference between the fused and the composed run, over
   * parameters and state tensors after every step: `max|fused − composed| / max|composed|` per
   * tensor.
   */
  readonly worst: number;
  /** Where the worst difference is (`params.layer.kernel after step 3`). */
  readonly worstAt: string;
  /** Differences in the host values of the state (step counts, hyperparameters), which must be none. */
  readonly hostMismatches: readonly string[];
}

/** A small nested parameter tree: a kernel, a bias, and a rank-0 scale, with values that differ per element. */
export function agreementParams(backend: Backend, dtype: DType): Params {
  const values = (n: number, seed: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(seed + 1.7 * i) * (1 + (i % 3)));
  return {
    layer: { kernel: backend.tensor(values(12, 1), [3, 4], dtype), bias: backend.tensor(values(4, 2), [4], dtype) },
    scale: backend.tensor([0.75], [], dtype),
  };
}

/** The gradients of step `t`: deterministic, with signs and sizes changing from step to step. */
export function agreementGrads(params: Params, t: number): Params {
  const map = (tree: Params, seed: number): Params =>
    Object.fromEntries(
      Object.entries(tree).map(([k, v], j) => {
        if (!(v instanceof Tensor)) return [k, map(v as Params, seed + 10 * (j + 1))]; // a record here (this tree has no arrays)
        const data = Array.from({ length: v.size }, (_, i) => Math.cos(seed + j + 0.9 * i + 2.3 * t) * (0.1 + 0.05 * t));
        return [k, v.backend.tensor(data, v.shape, v.dtype)];
      }),
    );
  return map(params, 0);
}

/**
 * Runs an optimizer for `steps` steps twice from the same start on one backend, once with
 * `step(..., { fused: true })` and once with `{ fused: false }` (pure steps and in-place steps in
 * turn, so both are covered), and compares the parameters and the state after every step. The composed path is the reference: it runs the
 * transformation's closures with real tensors, through the backend's primitives.
 *
 * @param backend - A backend that declares `capabilities.programs` (others refuse `fused: true`).
 * @param make - A fresh transformation.
 * @param dtype - The parameters' dtype.
 * @param steps - Steps to take (default 4).
 * @returns The paths reported, the worst difference and any host-value mismatch.
 *
 * @example
 * ```ts
 * const r = await checkFusedAgreement(cpu(), () => adam(1e-2), 'float64');
 * expect(r.worst).toBeLessThanOrEqual(FUSED_TOLERANCE.float64);
 * ```
 */
export async function checkFusedAgreement(
  backend: Backend,
  make: () => GradientTransformation<any>,
  dtype: DType,
  steps = 4,
): Promise<FusedAgreement> {
  const tx = make();
  const runs = [{ fused: true }, { fused: false }].map(({ fused }) => {
    const params = agreementParams(backend, dtype);
    return { fused, params, state: tx.init(params) as OptState };
  });
  const paths: StepResult['path'][] = [];
  let worst = 0;
  let worstAt = '(none)';
  const hostMismatches: string[] = [];
  try {
    for (let t = 1; t <= steps; t++) {
      const grads = agreementGrads(runs[0].params, t);
      const inPlace = t % 2 === 0;
      for (const run of runs) {
        const r = step(tx, run.params, grads, run.state, { fused: run.fused, inPlace });
        if (run.fused) paths.push(r.path);
        if (!inPlace) {
          releaseReplaced(run.params, r.params, r.state, grads);
          releaseReplaced(run.state, r.state, r.params, grads);
        }
        run.params = r.params;
        run.state = r.state;
      }
      backend.dispose(grads);
      const [f, c] = runs;
      await compare(
        { params: f.params, state: f.state },
        { params: c.params, state: c.state },
        `after step ${t}`,
        (d, at) => {
          if (d > worst) [worst, worstAt] = [d, at];
        },
        hostMismatches,
      );
    }
  } finally {
    for (const run of runs) backend.dispose([...stateTensors(run.params as OptState), ...stateTensors(run.state)]);
  }
  return { paths, worst, worstAt, hostMismatches };
}

async function compare(
  a: unknown,
  b: unknown,
  when: string,
  report: (d: number, at: string) => void,
  host: string[],
  path = '',
): Promise<void> {
  if (a instanceof Tensor && b instanceof Tensor) {
    if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) {
      host.push(`${path} ${when}: ${a} (fused) vs ${b} (composed)`);
      return;
    }
    const [x, y] = [await a.read(), await b.read()];
    let num = 0;
    let den = 0;
    for (let i = 0; i < x.length; i++) {
      const [u, v] = [Number(x[i]), Number(y[i])];
      if (Number.isNaN(u) || Number.isNaN(v)) {
        if (Number.isNaN(u) !== Number.isNaN(v)) num = Infinity;
        continue;
      }
      num = Math.max(num, Math.abs(u - v));
      den = Math.max(den, Math.abs(v));
    }
    report(num === 0 ? 0 : num / (den || 1), `${path} ${when}`);
    return;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys)
      await compare((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], when, report, host, path ? `${path}.${k}` : k);
    return;
  }
  if (!Object.is(a, b)) host.push(`${path} ${when}: ${String(a)} (fused) vs ${String(b)} (composed)`);
}
