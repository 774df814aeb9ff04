import type { Backend } from '../backend.js';
import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';
import { sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** The float dtype a run of the suite computes in on the backend under test. */
export type FloatDType = 'float32' | 'float64';

/** A relative and an absolute tolerance: `|got − want| ≤ atol + rtol·|want|`. */
export interface Tolerance {
  /** Relative tolerance, against the reference value. */
  readonly rtol: number;
  /** Absolute tolerance. */
  readonly atol: number;
}

/**
 * What a case computes with: the backend, the float dtype of this run, and seeded input makers.
 * The reference backend runs the same case with `dtype` float64 and the same seed, so both see the
 * same numbers (float inputs are rounded to float32 first, so a float32 run and the float64
 * reference start from identical values and differ only by the rounding of the computation).
 */
export interface CaseContext {
  /** The backend computing this run (the one under test or the reference). */
  readonly backend: Backend;
  /** The float dtype of this run (`float64` on the reference). */
  readonly dtype: FloatDType;
  /** Uniform values in `[lo, hi)`, rounded to float32, as a tensor of `dtype` (the run's float dtype by default). */
  uniform(shape: Shape, lo?: number, hi?: number, dtype?: DType): Tensor;
  /** Uniform integers in `[lo, hi]` as a tensor of `dtype` (`int32` by default): inputs with ties. */
  ints(shape: Shape, lo: number, hi: number, dtype?: DType): Tensor;
  /** Random booleans as a `bool` tensor. */
  bools(shape: Shape): Tensor;
  /** A tensor of given data; `dtype` defaults to the run's float dtype. */
  tensor(data: readonly number[], shape?: Shape, dtype?: DType): Tensor;
}

/**
 * A case computed on the backend under test and on the reference, and compared. `run` returns the
 * tensors to compare; it runs inside a scope, so everything else it makes is released.
 */
export interface ComputeCase {
  /** A stable id, such as `binary/add/broadcast [3,1]x[4]`: the key of exclusion lists. */
  readonly id: string;
  /** Computes the case's outputs on `ctx.backend`, from inputs made with `ctx`. */
  readonly run: (ctx: CaseContext) => Tensor | readonly Tensor[];
  /** Multiplies the run's tolerance (for ops that amplify rounding, such as long sums). */
  readonly tolScale?: number;
  /** The float dtypes of runs this case belongs to (all by default). */
  readonly only?: readonly FloatDType[];
}

/** What a check case gets: the backend under test, a fresh reference, and the suite's options. */
export interface CheckContext {
  /** The backend under test. */
  readonly backend: Backend;
  /** The reference backend (float64). */
  readonly reference: Backend;
  /** The implementation's own count of live objects, if the suite was given one. */
  readonly nativeCount?: () => number;
  /** The suite's tolerance per float dtype. */
  readonly tolerance: Readonly<Record<FloatDType, Tolerance>>;
}

/**
 * A case that checks a rule of the contract (errors, memory, read-back, programs) with its
 * own assertions. Runs once per float dtype of the suite when `perDType`, else once.
 */
export interface CheckCase {
  /** A stable id: the key of exclusion lists. */
  readonly id: string;
  /** The check itself; throws (an assertion error) on failure. */
  readonly check: (ctx: CheckContext, dtype: FloatDType) => void | Promise<void>;
  /** Run once per float dtype of the suite (else once). */
  readonly perDType?: boolean;
}

/** mulberry32: a tiny seeded generator of uniform numbers in `[0, 1)`. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a hash of a string: the seed of a case, so its inputs depend only on its id. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Random float32-representable numbers in `[lo, hi)`. */
export function uniformData(rand: () => number, n: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * rand()));
}

/** A {@link CaseContext} over a backend, seeded by `seed`. */
export function makeContext(backend: Backend, dtype: FloatDType, seed: number): CaseContext {
  const rand = mulberry32(seed);
  const ctx: CaseContext = {
    backend,
    dtype,
    uniform: (shape, lo = -1, hi = 1, dt = dtype) => backend.tensor(uniformData(rand, sizeOf(shape), lo, hi), shape, dt),
    ints: (shape, lo, hi, dt = 'int32') =>
      backend.tensor(
        Array.from({ length: sizeOf(shape) }, () => lo + Math.floor(rand() * (hi - lo + 1))),
        shape,
        dt,
      ),
    bools: (shape) =>
      backend.tensor(
        Array.from({ length: sizeOf(shape) }, () => (rand() < 0.5 ? 1 : 0)),
        shape,
        'bool',
      ),
    tensor: (data, shape, dt = dtype) => backend.tensor(data, shape ?? [data.length], dt),
  };
  return ctx;
}
