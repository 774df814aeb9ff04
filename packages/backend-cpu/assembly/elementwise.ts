// Elementwise float32 kernels, four (or sixteen) elements per instruction: the binary ops, the
// comparisons into 0/1 bytes, `where`, and column sums accumulated in float64. Each operand is
// read with stride 1 (an array) or 0 (one value, broadcast). Results equal the JavaScript loops':
// float32 +, −, ×, ÷ are correctly rounded, which is what rounding the float64 result gives, and
// max/min propagate NaN like Math.max/Math.min.

// Binary op codes (the order of BINARY_CODES in src/elementwise-wasm.ts).
const ADD = 0;
const SUB = 1;
const MUL = 2;
const DIV = 3;
const MAX = 4;
const MIN = 5;

// @ts-ignore: decorator
@inline function bin4(op: i32, x: v128, y: v128): v128 {
  if (op == ADD) return f32x4.add(x, y);
  if (op == SUB) return f32x4.sub(x, y);
  if (op == MUL) return f32x4.mul(x, y);
  if (op == DIV) return f32x4.div(x, y);
  if (op == MAX) return f32x4.max(x, y);
  return f32x4.min(x, y);
}

// @ts-ignore: decorator
@inline function bin1(op: i32, x: f32, y: f32): f32 {
  if (op == ADD) return x + y;
  if (op == SUB) return x - y;
  if (op == MUL) return x * y;
  if (op == DIV) return x / y;
  if (op == MAX) return max<f32>(x, y);
  return min<f32>(x, y);
}

// @ts-ignore: decorator
@inline function binLoop(op: i32, a: usize, as: i32, b: usize, bs: i32, out: usize, n: i32): void {
  const n4 = n & ~3;
  if (as != 0 && bs != 0) {
    for (let i = 0; i < n4; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, bin4(op, v128.load(a + o), v128.load(b + o)));
    }
    for (let i = n4; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(out + o, bin1(op, load<f32>(a + o), load<f32>(b + o)));
    }
  } else if (as != 0) {
    const y = load<f32>(b);
    const vy = f32x4.splat(y);
    for (let i = 0; i < n4; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, bin4(op, v128.load(a + o), vy));
    }
    for (let i = n4; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(out + o, bin1(op, load<f32>(a + o), y));
    }
  } else {
    const x = load<f32>(a);
    const vx = f32x4.splat(x);
    for (let i = 0; i < n4; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, bin4(op, vx, bs != 0 ? v128.load(b + o) : f32x4.splat(load<f32>(b))));
    }
    for (let i = n4; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(out + o, bin1(op, x, load<f32>(b + (bs != 0 ? o : 0))));
    }
  }
}

/** `out[i] = a[i·as] ∘ b[i·bs]` for i < n (strides 0 or 1), ∘ by `op` (0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min). */
export function binaryF32(op: i32, a: usize, as: i32, b: usize, bs: i32, out: usize, n: i32): void {
  if (op == ADD) binLoop(ADD, a, as, b, bs, out, n);
  else if (op == SUB) binLoop(SUB, a, as, b, bs, out, n);
  else if (op == MUL) binLoop(MUL, a, as, b, bs, out, n);
  else if (op == DIV) binLoop(DIV, a, as, b, bs, out, n);
  else if (op == MAX) binLoop(MAX, a, as, b, bs, out, n);
  else binLoop(MIN, a, as, b, bs, out, n);
}

/**
 * {@link binaryF32} over `rows` rows of `n` elements: row r reads `a` from element `r·ars` and `b`
 * from `r·brs` (each with its stride `as`, `bs` of 0 or 1 along the row) and writes `out` from
 * `r·n`. A bias add is one call (or one per thread's block of rows), not one per row.
 */
export function binaryRowsF32(op: i32, a: usize, as: i32, ars: i32, b: usize, bs: i32, brs: i32, out: usize, rows: i32, n: i32): void {
  for (let r = 0; r < rows; r++) {
    binaryF32(op, a + ((<usize>r * <usize>ars) << 2), as, b + ((<usize>r * <usize>brs) << 2), bs, out + ((<usize>r * <usize>n) << 2), n);
  }
}

// Comparison codes (the order of COMPARE_CODES in src/elementwise-wasm.ts).
const EQ = 0;
const NE = 1;
const LT = 2;
const LE = 3;
const GT = 4;
// GE = 5

// @ts-ignore: decorator
@inline function cmp4(op: i32, x: v128, y: v128): v128 {
  if (op == EQ) return f32x4.eq(x, y);
  if (op == NE) return f32x4.ne(x, y);
  if (op == LT) return f32x4.lt(x, y);
  if (op == LE) return f32x4.le(x, y);
  if (op == GT) return f32x4.gt(x, y);
  return f32x4.ge(x, y);
}

// @ts-ignore: decorator
@inline function cmp1(op: i32, x: f32, y: f32): u8 {
  if (op == EQ) return <u8>(x == y);
  if (op == NE) return <u8>(x != y);
  if (op == LT) return <u8>(x < y);
  if (op == LE) return <u8>(x <= y);
  if (op == GT) return <u8>(x > y);
  return <u8>(x >= y);
}

// @ts-ignore: decorator
@inline function cmp16(op: i32, pa: usize, sa: usize, va: v128, pb: usize, sb: usize, vb: v128): v128 {
  // sixteen comparisons narrowed into sixteen 0/1 bytes; a stride of 0 takes the splat value
  const one = i8x16.splat(1);
  const m0 = cmp4(op, sa != 0 ? v128.load(pa) : va, sb != 0 ? v128.load(pb) : vb);
  const m1 = cmp4(op, sa != 0 ? v128.load(pa + sa) : va, sb != 0 ? v128.load(pb + sb) : vb);
  const m2 = cmp4(op, sa != 0 ? v128.load(pa + 2 * sa) : va, sb != 0 ? v128.load(pb + 2 * sb) : vb);
  const m3 = cmp4(op, sa != 0 ? v128.load(pa + 3 * sa) : va, sb != 0 ? v128.load(pb + 3 * sb) : vb);
  return v128.and(i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3)), one);
}

// @ts-ignore: decorator
@inline function cmpLoop(op: i32, a: usize, as: i32, b: usize, bs: i32, out: usize, n: i32): void {
  const n16 = n & ~15;
  const va = f32x4.splat(load<f32>(a));
  const vb = f32x4.splat(load<f32>(b));
  // one loop per pair of strides (constants inside each, so no test per vector)
  if (as != 0 && bs != 0) {
    for (let i = 0; i < n16; i += 16) {
      const o = <usize>i << 2;
      v128.store(out + <usize>i, cmp16(op, a + o, 16, va, b + o, 16, vb));
    }
  } else if (as != 0) {
    for (let i = 0; i < n16; i += 16) v128.store(out + <usize>i, cmp16(op, a + (<usize>i << 2), 16, va, b, 0, vb));
  } else if (bs != 0) {
    for (let i = 0; i < n16; i += 16) v128.store(out + <usize>i, cmp16(op, a, 0, va, b + (<usize>i << 2), 16, vb));
  } else {
    for (let i = 0; i < n16; i += 16) v128.store(out + <usize>i, cmp16(op, a, 0, va, b, 0, vb));
  }
  for (let i = n16; i < n; i++) {
    const o = <usize>i << 2;
    store<u8>(out + <usize>i, cmp1(op, load<f32>(a + (as != 0 ? o : 0)), load<f32>(b + (bs != 0 ? o : 0))));
  }
}

/** `out[i] = a[i·as] ⋈ b[i·bs] ? 1 : 0` (bytes), ⋈ by `op` (0 ==, 1 ≠, 2 <, 3 ≤, 4 >, 5 ≥); NaN compares unequal. */
export function compareF32(op: i32, a: usize, as: i32, b: usize, bs: i32, out: usize, n: i32): void {
  if (op == EQ) cmpLoop(EQ, a, as, b, bs, out, n);
  else if (op == NE) cmpLoop(NE, a, as, b, bs, out, n);
  else if (op == LT) cmpLoop(LT, a, as, b, bs, out, n);
  else if (op == LE) cmpLoop(LE, a, as, b, bs, out, n);
  else if (op == GT) cmpLoop(GT, a, as, b, bs, out, n);
  else cmpLoop(5, a, as, b, bs, out, n);
}

// @ts-ignore: decorator
@inline function whereLoop(c: usize, cs: i32, a: usize, as: i32, b: usize, bs: i32, out: usize, n: i32): void {
  const n4 = n & ~3;
  const va = f32x4.splat(load<f32>(a));
  const vb = f32x4.splat(load<f32>(b));
  const zero = i32x4.splat(0);
  const mc = i32x4.splat(load<u8>(c) != 0 ? -1 : 0);
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    const mask = cs != 0 ? i32x4.ne(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(c + <usize>i))), zero) : mc;
    v128.store(out + o, v128.bitselect(as != 0 ? v128.load(a + o) : va, bs != 0 ? v128.load(b + o) : vb, mask));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<u8>(c + (cs != 0 ? <usize>i : 0)) != 0 ? load<f32>(a + (as != 0 ? o : 0)) : load<f32>(b + (bs != 0 ? o : 0)));
  }
}

/** `out[i] = c[i·cs] ? a[i·as] : b[i·bs]` with `c` bytes and `a`, `b`, `out` float32 (strides 0 or 1). */
export function whereF32(c: usize, cs: i32, a: usize, as: i32, b: usize, bs: i32, out: usize, n: i32): void {
  // one loop per layout of a ReLU and its gradient (mask and array, a value for the rest), so no
  // test per vector there; the general loop for the others
  if (cs != 0 && as != 0 && bs == 0) whereLoop(c, 1, a, 1, b, 0, out, n);
  else if (cs != 0 && as != 0 && bs != 0) whereLoop(c, 1, a, 1, b, 1, out, n);
  else whereLoop(c, cs, a, as, b, bs, out, n);
}

/**
 * Column sums of a rows × cols float32 matrix, accumulated in float64 row by row (the order of the
 * JavaScript loop, so the same float64 sums) and rounded once into `out` (cols float32). `acc` is
 * scratch for cols float64 values.
 */
export function sumColsF32(x: usize, rows: i32, cols: i32, out: usize, acc: usize): void {
  sumColsPartF32(x, cols, rows, cols, out, acc);
}

/**
 * {@link sumColsF32} over `cols` columns of a matrix whose rows are `ld` elements apart: the form
 * worker threads call, each on its own columns (each column summed by one thread, in row order).
 */
export function sumColsPartF32(x: usize, ld: i32, rows: i32, cols: i32, out: usize, acc: usize): void {
  memory.fill(acc, 0, <usize>cols << 3);
  const c2 = cols & ~1;
  for (let r = 0; r < rows; r++) {
    const row = x + (<usize>r * <usize>ld << 2);
    for (let j = 0; j < c2; j += 2) {
      const pa = acc + (<usize>j << 3);
      v128.store(pa, f64x2.add(v128.load(pa), f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>j << 2)))));
    }
    if (c2 < cols) {
      const pa = acc + (<usize>c2 << 3);
      store<f64>(pa, load<f64>(pa) + <f64>load<f32>(row + (<usize>c2 << 2)));
    }
  }
  for (let j = 0; j < cols; j++) store<f32>(out + (<usize>j << 2), <f32>load<f64>(acc + (<usize>j << 3)));
}
