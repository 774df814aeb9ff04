import { beforeAll, describe, it } from 'vitest';
import type { Backend } from '../backend.js';
import type { TypedArray } from '../dtype.js';
import { fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { hashString, makeContext, type CheckCase, type CheckContext, type ComputeCase, type FloatDType, type Tolerance } from './case.js';
import { creationCases, layoutCases } from './cases-layout.js';
import { contractCases } from './cases-contract.js';
import { elementwiseCases } from './cases-elementwise.js';
import { programCases } from './cases-programs.js';
import { matmulCases } from './cases-matmul.js';
import { reduceCases } from './cases-reduce.js';
import { windowedCases } from './cases-windowed.js';
import { assertArrayKind, assertClose, DEFAULT_TOLERANCES } from './compare.js';
import { referenceBackend } from './reference-backend.js';

/** Options of {@link runConformanceSuite}. */
export interface ConformanceOptions {
  /** Shown in the name of the test block, such as `tfjs-wasm`. */
  readonly name: string;
  /** Makes the backend under test (once per suite). */
  readonly create: () => Backend | Promise<Backend>;
  /**
   * Makes the reference backend; it must have float64. Default: {@link referenceBackend}, the
   * suite's own float64 JavaScript implementation of every primitive, independent of every backend
   * (so no backend is compared with itself).
   */
  readonly reference?: () => Backend | Promise<Backend>;
  /** The float dtypes to run the computing cases in on the backend under test. */
  readonly dtypes: readonly FloatDType[];
  /** Tolerances per dtype; {@link DEFAULT_TOLERANCES} by default. */
  readonly tolerance?: Partial<Record<FloatDType, Tolerance>>;
  /**
   * Cases the backend cannot pass, with the reason: `{ 'unary/round/halves and integers': 'rounds
   * half away from zero' }`. A key is a case id (every dtype) or `id@float32` (one dtype). An
   * excluded case is skipped with its reason in its name; a key naming no case of this run fails.
   */
  readonly exclusions?: Readonly<Record<string, string>>;
  /** The implementation's own count of live objects (such as `tf.memory().numTensors`), checked flat like `memory().tensors`. */
  readonly nativeCount?: () => number;
}

/** Every case of the suite, in order: the computing cases and the checks. */
export function conformanceCases(): { compute: ComputeCase[]; checks: CheckCase[] } {
  const compute = [...creationCases(), ...elementwiseCases(), ...reduceCases(), ...layoutCases(), ...matmulCases(), ...windowedCases()];
  const checks = [...contractCases(), ...programCases()];
  const seen = new Set<string>();
  for (const c of [...compute, ...checks]) {
    if (seen.has(c.id)) throw new Error(`conformance: two cases share the id '${c.id}'`);
    seen.add(c.id);
  }
  return { compute, checks };
}

/**
 * The exclusion keys that name no case of a run over `dtypes`: unknown ids, `id@dtype` for a dtype
 * not run or a case that does not run in it, and `id@dtype` for a check that runs once.
 *
 * @example
 * ```ts
 * unknownExclusions(['unary/exp/[3,4]', 'no/such/case'], ['float32']); // ['no/such/case']
 * ```
 */
export function unknownExclusions(keys: readonly string[], dtypes: readonly FloatDType[]): string[] {
  const { compute: computeCases, checks } = conformanceCases();
  const applies = (id: string, dt: FloatDType | undefined): boolean => {
    const cc = computeCases.find((c) => c.id === id);
    if (cc)
      return dt === undefined
        ? dtypes.some((d) => !cc.only || cc.only.includes(d))
        : dtypes.includes(dt) && (!cc.only || cc.only.includes(dt));
    const ck = checks.find((c) => c.id === id);
    if (ck) return dt === undefined || (ck.perDType === true && dtypes.includes(dt));
    return false;
  };
  return keys.filter((key) => {
    const m = /^(.*)@(float32|float64)$/.exec(key);
    return m ? !applies(m[1], m[2] as FloatDType) : !applies(key, undefined);
  });
}

interface Outcome {
  shape: readonly number[];
  dtype: Tensor['dtype'];
  data: TypedArray;
}

async function compute(b: Backend, c: ComputeCase, dtype: FloatDType, nativeCount?: () => number): Promise<Outcome[]> {
  const before = b.memory().tensors;
  const native = nativeCount?.();
  const outs = b.scope(() => {
    const r = c.run(makeContext(b, dtype, hashString(c.id)));
    return Array.isArray(r) ? [...r] : [r as Tensor];
  });
  const result: Outcome[] = [];
  try {
    for (const t of outs) result.push({ shape: t.shape, dtype: t.dtype, data: await b.read(t) });
  } finally {
    b.dispose(outs);
  }
  const after = b.memory().tensors;
  if (after !== before) throw new Error(`${c.id}: ${b.name} holds ${after - before} more live tensors after the case than before`);
  if (native !== undefined && nativeCount!() !== native) {
    throw new Error(`${c.id}: ${b.name}'s implementation holds ${nativeCount!() - native} more objects after the case than before`);
  }
  return result;
}

/**
 * Registers the backend conformance suite with vitest: every primitive of the interface, computed
 * on the backend under test in each of `dtypes` and on the reference in float64 from the same
 * seeded inputs, compared at the tolerances of {@link DEFAULT_TOLERANCES}; then the contract
 * (dtype rules, typed errors, memory and scopes, read-back) and the declared fused updates.
 *
 * @param options - The backend, the reference, the dtypes, tolerances and exclusions.
 * @example
 * ```ts
 * // packages/backend-foo/src/conformance.test.ts
 * import { runConformanceSuite } from '@downhill/backend/conformance';
 * runConformanceSuite({ name: 'foo', create: () => foo(), dtypes: ['float32'] }); // against the float64 reference
 * ```
 */
export function runConformanceSuite(options: ConformanceOptions): void {
  const { name, dtypes, exclusions = {}, nativeCount } = options;
  const tolerance = { ...DEFAULT_TOLERANCES, ...options.tolerance };
  const { compute: computeCases, checks } = conformanceCases();

  const unknown = unknownExclusions(Object.keys(exclusions), dtypes);
  const reasonFor = (id: string, dt?: FloatDType): string | undefined => (dt && exclusions[`${id}@${dt}`]) || exclusions[id];

  describe(`conformance: ${name}`, () => {
    let backend: Backend;
    let reference: Backend;
    beforeAll(async () => {
      backend = await options.create();
      reference = await (options.reference ?? referenceBackend)();
      if (!reference.capabilities.float64) throw new Error(`conformance: the reference '${reference.name}' has no float64`);
    });
    const checkContext = (): CheckContext => ({ backend, reference, nativeCount, tolerance });

    const keys = Object.keys(exclusions);
    if (keys.length > 0) {
      console.log(`conformance: ${name} excludes ${keys.length} case(s):\n${keys.map((k) => `  ${k}: ${exclusions[k]}`).join('\n')}`);
    }
    it('the exclusion list names only cases of this run', () => {
      if (unknown.length > 0) {
        throw new Error(`conformance: ${name}: exclusions name no case of this run (dtypes ${dtypes.join(', ')}): ${unknown.join(', ')}`);
      }
    });

    for (const dt of dtypes) {
      describe(dt, () => {
        for (const c of computeCases) {
          if (c.only && !c.only.includes(dt)) continue;
          const reason = reasonFor(c.id, dt);
          if (reason) {
            it.skip(`${c.id} [excluded: ${reason}]`, () => {});
            continue;
          }
          it(c.id, async () => {
            const got = await compute(backend, c, dt, nativeCount);
            const want = await compute(reference, c, 'float64');
            if (got.length !== want.length) throw new Error(`${c.id}: ${got.length} outputs, the reference gives ${want.length}`);
            got.forEach((g, i) => {
              const label = `${c.id}${got.length > 1 ? ` output ${i}` : ''} on ${backend.name} (${dt})`;
              const wantDType = want[i].dtype === 'float64' ? dt : want[i].dtype;
              if (g.dtype !== wantDType || fmtShape(g.shape) !== fmtShape(want[i].shape)) {
                throw new Error(`${label}: got ${g.dtype} ${fmtShape(g.shape)}, want ${wantDType} ${fmtShape(want[i].shape)}`);
              }
              assertArrayKind(g.data, g.dtype, label);
              const base = g.dtype === 'float32' || g.dtype === 'float64' ? tolerance[g.dtype] : tolerance.float64;
              const s = c.tolScale ?? 1;
              assertClose(g.data, want[i].data, g.dtype, { rtol: base.rtol * s, atol: base.atol * s }, label, g.shape);
            });
          });
        }
        for (const c of checks.filter((k) => k.perDType)) {
          const reason = reasonFor(c.id, dt);
          if (reason) it.skip(`${c.id} [excluded: ${reason}]`, () => {});
          else it(c.id, () => c.check(checkContext(), dt));
        }
      });
    }

    describe('contract', () => {
      for (const c of checks.filter((k) => !k.perDType)) {
        const reason = reasonFor(c.id);
        if (reason) it.skip(`${c.id} [excluded: ${reason}]`, () => {});
        else it(c.id, () => c.check(checkContext(), dtypes[0] ?? 'float32'));
      }
    });
  });
}
