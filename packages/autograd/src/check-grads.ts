import {
  DownhillError,
  InvalidArgumentError,
  UnsupportedError,
  checkOptions,
  isFloatDType,
  stridesOf,
  type Backend,
  type Tensor,
} from '@downhill/backend';
import { describe } from './differentiate.js';
import { grad } from './grad.js';
import { hvp } from './higher-order.js';
import { noGrad } from './trace.js';
import { isTensorLike, rawTensor, type TensorLike } from './traced.js';
import { flattenTree, mapTree } from './tree.js';

/** Options of {@link checkGrads}. */
export interface CheckGradsOptions {
  /** 1: gradients; 2: gradients and every Hessian entry (through Hessian-vector products). Default 1. */
  readonly order?: 1 | 2;
  /** Finite-difference step. Default 1e-6 in float64, 1e-3 in float32. */
  readonly eps?: number;
  /** Relative tolerance (against the numeric value). Default 1e-5 in float64, 1e-2 in float32. */
  readonly rtol?: number;
  /** Absolute tolerance. Default 1e-6 in float64, 1e-3 in float32. */
  readonly atol?: number;
  /** Precision of the check. Default `float64`, which needs a backend with float64; `float32` is coarse. */
  readonly dtype?: 'float64' | 'float32';
  /** Throw a {@link GradCheckError} on failure (default true); false returns the report either way. */
  readonly throwOnFailure?: boolean;
}

/** One gradient (or Hessian) element whose analytic value disagrees with finite differences. */
export interface GradCheckFailure {
  /** 1 for a gradient element, 2 for a Hessian entry. */
  readonly order: 1 | 2;
  /** Dotted path of the input (`''` when the input is one tensor). */
  readonly path: string;
  /** The element's index in that input (one entry per dimension). */
  readonly index: readonly number[];
  /** For order 2: the input element differentiated a second time. */
  readonly withRespectTo?: { readonly path: string; readonly index: readonly number[] };
  /** The derivative from autograd. */
  readonly analytic: number;
  /** The central finite difference. */
  readonly numeric: number;
  /** `atol + rtol·|numeric|`, the largest difference allowed here. */
  readonly tolerance: number;
}

/** What {@link checkGrads} found. */
export interface GradCheckReport {
  /** Whether every compared element agreed within its tolerance. */
  readonly ok: boolean;
  /** 1: gradients only; 2: gradients and Hessian entries. */
  readonly order: 1 | 2;
  /** Elements compared (gradient elements, plus Hessian entries for order 2). */
  readonly checked: number;
  /** The largest `|analytic − numeric|` over the compared elements. */
  readonly maxAbsError: number;
  /** Every element that disagreed (empty when `ok`). */
  readonly failures: readonly GradCheckFailure[];
  /** The finite-difference step used. */
  readonly eps: number;
  /** The relative tolerance used. */
  readonly rtol: number;
  /** The absolute tolerance used. */
  readonly atol: number;
}

/** A gradient check that failed; `report` holds every disagreeing element. */
export class GradCheckError extends DownhillError {
  /** The full report of the check, failures included. */
  readonly report: GradCheckReport;
  constructor(report: GradCheckReport) {
    super('GRADIENT_CHECK_FAILED', formatReport(report));
    this.report = report;
  }
}

const fmtIndex = (path: string, index: readonly number[]) => `${path === '' ? 'input' : `'${path}'`} [${index.join(', ')}]`;

function formatReport(r: GradCheckReport): string {
  const lines = r.failures.slice(0, 8).map((f) => {
    const wrt = f.withRespectTo ? ` w.r.t. ${fmtIndex(f.withRespectTo.path, f.withRespectTo.index)}` : '';
    return `  ${f.order === 2 ? 'd²f/d' : 'df/d'}${fmtIndex(f.path, f.index)}${wrt}: analytic ${f.analytic}, numeric ${f.numeric}, |difference| ${Math.abs(f.analytic - f.numeric).toExponential(2)} > tolerance ${f.tolerance.toExponential(2)}`;
  });
  const more = r.failures.length > 8 ? `\n  … and ${r.failures.length - 8} more` : '';
  return `checkGrads: ${r.failures.length} of ${r.checked} derivative elements differ from central finite differences (eps ${r.eps}, rtol ${r.rtol}, atol ${r.atol}):\n${lines.join('\n')}${more}`;
}

function unravel(flat: number, shape: readonly number[]): number[] {
  return stridesOf(shape).map((s, i) => Math.floor(flat / s) % shape[i]);
}

async function readNumbers(x: TensorLike): Promise<number[]> {
  return Array.from(await rawTensor(x).read(), Number);
}

/**
 * Compares a function's analytic gradients (and, with `order: 2`, its Hessian, entry by entry)
 * with central finite differences, in float64. For users checking a custom function and for
 * plugin authors checking a new op or layer.
 *
 * Math: `∂f/∂xᵢ ≈ (f(x + εeᵢ) − f(x − εeᵢ)) / 2ε`, and for order 2 the same difference of the
 * analytic gradient against the Hessian-vector product `∇²f·eᵢ`. An element fails when
 * `|analytic − numeric| > atol + rtol·|numeric|`.
 *
 * Every float leaf of `inputs` is converted to float64 (so `f` should take its dtypes from its
 * inputs); other leaves (integer labels) pass through unchanged. Keep inputs small: the check
 * evaluates `f` twice per element (order 2: one Hessian-vector product and two gradients per
 * element too).
 *
 * @param f - a scalar function of `inputs` (a tensor or a tree).
 * @param inputs - the point.
 * @param options - `order`, `eps`, `rtol`, `atol`, `dtype`, `throwOnFailure`.
 * @returns the report (when nothing fails, or with `throwOnFailure: false`).
 * @throws GradCheckError naming each failing input (dotted path), element index, the analytic and
 *   numeric values and the tolerance; UnsupportedError on a backend without float64.
 *
 * @example
 * ```ts
 * await checkGrads((p) => ops.sum(ops.softplus(ops.matmul(x, p.w))), { w }, { order: 2 });
 * ```
 */
export async function checkGrads<P>(f: (inputs: P) => TensorLike, inputs: P, options?: CheckGradsOptions): Promise<GradCheckReport> {
  const checked = checkOptions('checkGrads', options, {
    order: true,
    eps: true,
    rtol: true,
    atol: true,
    dtype: true,
    throwOnFailure: true,
  });
  const { order = 1, dtype = 'float64', throwOnFailure = true } = checked;
  const f64 = dtype === 'float64';
  const { eps = f64 ? 1e-6 : 1e-3, rtol = f64 ? 1e-5 : 1e-2, atol = f64 ? 1e-6 : 1e-3 } = checked;
  if (order !== 1 && order !== 2) throw new InvalidArgumentError(`checkGrads: order must be 1 or 2, got ${String(order)}`);
  if (typeof f !== 'function') throw new InvalidArgumentError(`checkGrads: expected a function, got ${describe(f)}`);
  const leaves = flattenTree(inputs).filter(([, v]) => isTensorLike(v) && isFloatDType(v.dtype)) as [string, TensorLike][];
  if (leaves.length === 0) throw new InvalidArgumentError('checkGrads: inputs hold no float tensors to check');
  const backend: Backend = rawTensor(leaves[0][1]).backend;
  if (f64 && !backend.capabilities.float64) {
    throw new UnsupportedError(
      `checkGrads: backend '${backend.name}' has no float64, and finite differences need it; run the check on a backend with float64 (cpu), or pass { dtype: 'float32' } with looser tolerances`,
    );
  }
  const made: Tensor[] = [];
  const tensor = (data: number[], shape: readonly number[]) => {
    const t = backend.tensor(data, shape, dtype);
    made.push(t);
    return t;
  };
  try {
    const base: Record<string, number[]> = {};
    const shapes: Record<string, readonly number[]> = {};
    for (const [path, leaf] of leaves) {
      base[path] = await readNumbers(leaf);
      shapes[path] = leaf.shape;
    }
    const point = (changes: Record<string, number[]> = {}) =>
      Object.fromEntries(leaves.map(([path]) => [path, tensor(changes[path] ?? base[path], shapes[path])])) as Record<string, Tensor>;
    const call = (flat: Record<string, TensorLike>) => f(mapTree(inputs, (leaf, path) => (path in flat ? flat[path] : leaf)) as P);
    const value = async (flat: Record<string, Tensor>) => {
      // A fresh handle, so disposing it never touches a tensor f returned as it was.
      const y = noGrad(() => backend.scope(() => backend.reshape(rawTensor(call(flat)), [])));
      const v = (await readNumbers(y))[0];
      y.dispose();
      return v;
    };
    const gradient = async (flat: Record<string, Tensor>) => {
      const g = grad(call)(flat) as Record<string, Tensor>;
      const out: Record<string, number[]> = {};
      for (const [path] of leaves) out[path] = await readNumbers(g[path]);
      backend.dispose(g);
      return out;
    };
    const perturbed = (path: string, i: number, delta: number) => {
      const data = [...base[path]];
      data[i] += delta;
      return point({ [path]: data });
    };

    const failures: GradCheckFailure[] = [];
    let checked = 0;
    let maxAbsError = 0;
    const compare = (analytic: number, numeric: number, failure: Omit<GradCheckFailure, 'analytic' | 'numeric' | 'tolerance'>) => {
      checked++;
      const diff = Math.abs(analytic - numeric);
      const tolerance = atol + rtol * Math.abs(numeric);
      if (!(diff <= tolerance)) failures.push({ ...failure, analytic, numeric, tolerance });
      if (Number.isFinite(diff)) maxAbsError = Math.max(maxAbsError, diff);
      else maxAbsError = Infinity;
    };

    const analytic1 = await gradient(point());
    for (const [path] of leaves) {
      for (let i = 0; i < base[path].length; i++) {
        const numeric = ((await value(perturbed(path, i, eps))) - (await value(perturbed(path, i, -eps)))) / (2 * eps);
        compare(analytic1[path][i], numeric, { order: 1, path, index: unravel(i, shapes[path]) });
        backend.dispose(made.splice(0));
      }
    }

    if (order === 2) {
      for (const [pathJ] of leaves) {
        for (let j = 0; j < base[pathJ].length; j++) {
          const unit = Object.fromEntries(leaves.map(([p]) => [p, base[p].map((_, k) => (p === pathJ && k === j ? 1 : 0))]));
          const hv = hvp(call, point(), point(unit)) as Record<string, Tensor>;
          const plus = await gradient(perturbed(pathJ, j, eps));
          const minus = await gradient(perturbed(pathJ, j, -eps));
          for (const [pathI] of leaves) {
            const column = await readNumbers(hv[pathI]);
            column.forEach((a, i) => {
              const numeric = (plus[pathI][i] - minus[pathI][i]) / (2 * eps);
              compare(a, numeric, {
                order: 2,
                path: pathI,
                index: unravel(i, shapes[pathI]),
                withRespectTo: { path: pathJ, index: unravel(j, shapes[pathJ]) },
              });
            });
          }
          backend.dispose(hv);
          backend.dispose(made.splice(0));
        }
      }
    }
    const report: GradCheckReport = { ok: failures.length === 0, order, checked, maxAbsError, failures, eps, rtol, atol };
    if (!report.ok && throwOnFailure) throw new GradCheckError(report);
    return report;
  } finally {
    backend.dispose(made);
  }
}
