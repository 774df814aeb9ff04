import type { BinaryOp, CompareOp } from '@downhill/backend';

/*
 * The row loops of binary.ts again, for float32 operands only. The generic loops see every typed
 * array kind (float32, float64, int32, bool) and V8 compiles their element accesses as polymorphic;
 * these copies only ever see Float32Array, so their loads and stores stay monomorphic and run two to
 * five times faster on the float32 tensors that training is made of. Results are identical: the
 * arithmetic is the same float64 arithmetic rounded once into float32.
 */

type F32 = Float32Array;

/** `out[o + j] = a[ai + j·as] ∘ b[bi + j·bs]` for `j < n`, float32 operands. */
export function binaryRowF32(
  op: BinaryOp,
  out: F32,
  o: number,
  a: F32,
  ai: number,
  as: number,
  b: F32,
  bi: number,
  bs: number,
  n: number,
  pow: (x: number, y: number) => number,
): void {
  switch (op) {
    case 'add':
      if (as === 1 && bs === 1) for (let j = 0; j < n; j++) out[o + j] = a[ai + j] + b[bi + j];
      else for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] + b[bi];
      return;
    case 'sub':
      if (as === 1 && bs === 1) for (let j = 0; j < n; j++) out[o + j] = a[ai + j] - b[bi + j];
      else for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] - b[bi];
      return;
    case 'mul':
      if (as === 1 && bs === 1) for (let j = 0; j < n; j++) out[o + j] = a[ai + j] * b[bi + j];
      else for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] * b[bi];
      return;
    case 'div':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] / b[bi];
      return;
    case 'pow':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = pow(a[ai], b[bi]);
      return;
    case 'maximum':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = Math.max(a[ai], b[bi]);
      return;
    case 'minimum':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = Math.min(a[ai], b[bi]);
      return;
    default:
      op satisfies never;
  }
}

/**
 * A float32 binary op over `rows` rows of `n` elements (a 2-D broadcast): `out[r·n + j] =
 * a[r·ar + j·ac] ∘ b[r·br + j·bc]`, for add, sub, mul and div (returns false for the other ops,
 * which the row loops take). One loop nest per op with no call per row: the short rows of a
 * training step's broadcasts (logits minus their row maximum, 128 rows of 10) cost more in
 * per-row calls than in arithmetic. Same float64 arithmetic rounded once into float32.
 */
export function binary2dF32(
  op: BinaryOp,
  out: F32,
  a: F32,
  ar: number,
  ac: number,
  b: F32,
  br: number,
  bc: number,
  rows: number,
  n: number,
): boolean {
  let o = 0;
  switch (op) {
    case 'add':
      for (let r = 0; r < rows; r++) for (let j = 0, ai = r * ar, bi = r * br; j < n; j++, ai += ac, bi += bc) out[o++] = a[ai] + b[bi];
      return true;
    case 'sub':
      for (let r = 0; r < rows; r++) for (let j = 0, ai = r * ar, bi = r * br; j < n; j++, ai += ac, bi += bc) out[o++] = a[ai] - b[bi];
      return true;
    case 'mul':
      for (let r = 0; r < rows; r++) for (let j = 0, ai = r * ar, bi = r * br; j < n; j++, ai += ac, bi += bc) out[o++] = a[ai] * b[bi];
      return true;
    case 'div':
      for (let r = 0; r < rows; r++) for (let j = 0, ai = r * ar, bi = r * br; j < n; j++, ai += ac, bi += bc) out[o++] = a[ai] / b[bi];
      return true;
    default:
      return false;
  }
}

/** One row of a comparison of float32 operands into 0/1. */
export function compareRowF32(
  op: CompareOp,
  out: Uint8Array,
  o: number,
  a: F32,
  ai: number,
  as: number,
  b: F32,
  bi: number,
  bs: number,
  n: number,
): void {
  switch (op) {
    case 'equal':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] === b[bi] ? 1 : 0;
      return;
    case 'notEqual':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] !== b[bi] ? 1 : 0;
      return;
    case 'less':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] < b[bi] ? 1 : 0;
      return;
    case 'lessEqual':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] <= b[bi] ? 1 : 0;
      return;
    case 'greater':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] > b[bi] ? 1 : 0;
      return;
    case 'greaterEqual':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] >= b[bi] ? 1 : 0;
      return;
    default:
      op satisfies never;
  }
}

/** One row of `cond ? a : b` with float32 branches. */
export function whereRowF32(
  out: F32,
  o: number,
  c: Uint8Array,
  ci: number,
  cs: number,
  a: F32,
  ai: number,
  as: number,
  b: F32,
  bi: number,
  bs: number,
  n: number,
): void {
  for (let j = 0; j < n; j++, ci += cs, ai += as, bi += bs) out[o + j] = c[ci] ? a[ai] : b[bi];
}
