// Single-precision matrix product on packed panels (the GotoBLAS scheme): blocks of B (a panel of
// at most KC rows of the shared dimension) are packed into column panels of NR = 8, blocks of A
// (MC × the panel) into row panels of MR = 4, and a 4 × 8 micro-kernel keeps its tile of C in
// eight v128 registers while it runs over the panel. Packing reads any strides, so transposed
// operands cost nothing extra. The shared dimension is cut into equal panels (`gemmPanelK`), so a
// product can also be split at a panel boundary and its partial products added in panel order
// (`addPanelsF32`) with the bits of the product computed whole.

const MR = 4;
const NR = 8;
const KC = 256;
const MC = 64;

let scratch: usize = 0;
let scratchBytes: usize = 0;

function ensureScratch(bytes: usize): usize {
  if (bytes > scratchBytes) {
    if (scratch) heap.free(scratch);
    scratch = heap.alloc(bytes);
    scratchBytes = bytes;
  }
  return scratch;
}

/**
 * Reads four vectors of 4 float32 at `s`, `s + stride`, `s + 2·stride`, `s + 3·stride` (rows of a
 * 4 × 4 block) and stores the block's columns at `d`, `d + dstride`, `d + 2·dstride`, `d + 3·dstride`.
 */
// @ts-ignore: decorator
@inline function transpose4(s: usize, stride: usize, d: usize, dstride: usize): void {
  const r0 = v128.load(s);
  const r1 = v128.load(s + stride);
  const r2 = v128.load(s + 2 * stride);
  const r3 = v128.load(s + 3 * stride);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(d + dstride, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(d + 2 * dstride, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(d + 3 * dstride, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

/** Packs rows pc..pc+kc of B (all N columns) into panels `dst[panel][k][NR]`, zero-padded. */
function packB(b: usize, brs: usize, bcs: usize, pc: i32, kc: i32, N: i32, dst: usize): void {
  const panels = (N + NR - 1) / NR;
  for (let jp = 0; jp < panels; jp++) {
    const j0 = jp * NR;
    const w = min(NR, N - j0);
    let d = dst + (<usize>(jp * kc * NR) << 2);
    let s = b + <usize>pc * brs + <usize>j0 * bcs;
    if (w == NR && bcs == 4) {
      for (let k = 0; k < kc; k++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        d += NR << 2;
        s += brs;
      }
    } else if (w == NR && brs == 4) {
      // B transposed (each column contiguous over k): 4 k of 8 columns as two 4 × 4 transposes
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        transpose4(s, bcs, d, NR << 2);
        transpose4(s + 4 * bcs, bcs, d + 16, NR << 2);
        d += 4 * (NR << 2);
        s += 16;
      }
      for (; k < kc; k++) {
        for (let j = 0; j < NR; j++) store<f32>(d + (<usize>j << 2), load<f32>(s + <usize>j * bcs));
        d += NR << 2;
        s += brs;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let j = 0; j < NR; j++) store<f32>(d + (<usize>j << 2), j < w ? load<f32>(s + <usize>j * bcs) : 0);
        d += NR << 2;
        s += brs;
      }
    }
  }
}

/** Packs rows ic..ic+mc, columns pc..pc+kc of A into panels `dst[panel][k][MR]`, zero-padded. */
function packA(a: usize, ars: usize, acs: usize, ic: i32, mc: i32, pc: i32, kc: i32, dst: usize): void {
  const panels = (mc + MR - 1) / MR;
  for (let ip = 0; ip < panels; ip++) {
    const h = min(MR, mc - ip * MR);
    let d = dst + (<usize>(ip * kc * MR) << 2);
    let s = a + <usize>(ic + ip * MR) * ars + <usize>pc * acs;
    if (h == MR && ars == 4) {
      for (let k = 0; k < kc; k++) {
        v128.store(d, v128.load(s));
        d += MR << 2;
        s += acs;
      }
    } else if (h == MR && acs == 4) {
      // A row-major (each row contiguous over k): 4 k of the 4 rows as one 4 × 4 transpose
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        transpose4(s, ars, d, MR << 2);
        d += 4 * (MR << 2);
        s += 16;
      }
      for (; k < kc; k++) {
        store<f32>(d, load<f32>(s));
        store<f32>(d, load<f32>(s + ars), 4);
        store<f32>(d, load<f32>(s + 2 * ars), 8);
        store<f32>(d, load<f32>(s + 3 * ars), 12);
        d += MR << 2;
        s += acs;
      }
    } else if (h == MR) {
      for (let k = 0; k < kc; k++) {
        store<f32>(d, load<f32>(s));
        store<f32>(d, load<f32>(s + ars), 4);
        store<f32>(d, load<f32>(s + 2 * ars), 8);
        store<f32>(d, load<f32>(s + 3 * ars), 12);
        d += MR << 2;
        s += acs;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), r < h ? load<f32>(s + <usize>r * ars) : 0);
        d += MR << 2;
        s += acs;
      }
    }
  }
}

/**
 * C[h × w tile at c] += (packed A panel)·(packed B panel) over kc; with `first`, C = 0 + that
 * product instead (C's old contents never read: the same values as adding to a zeroed C, −0 sums
 * included).
 */
// @ts-ignore: decorator
@inline function microKernel(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, h: i32, w: i32, tile: usize, first: bool): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    ap += MR << 2;
    bp += NR << 2;
  }
  if (first) {
    const z = f32x4.splat(0);
    c00 = f32x4.add(z, c00);
    c01 = f32x4.add(z, c01);
    c10 = f32x4.add(z, c10);
    c11 = f32x4.add(z, c11);
    c20 = f32x4.add(z, c20);
    c21 = f32x4.add(z, c21);
    c30 = f32x4.add(z, c30);
    c31 = f32x4.add(z, c31);
  }
  if (h == MR && w == NR && first) {
    v128.store(c, c00);
    v128.store(c, c01, 16);
    c += ldc;
    v128.store(c, c10);
    v128.store(c, c11, 16);
    c += ldc;
    v128.store(c, c20);
    v128.store(c, c21, 16);
    c += ldc;
    v128.store(c, c30);
    v128.store(c, c31, 16);
  } else if (h == MR && w == NR) {
    v128.store(c, f32x4.add(v128.load(c), c00));
    v128.store(c, f32x4.add(v128.load(c, 16), c01), 16);
    c += ldc;
    v128.store(c, f32x4.add(v128.load(c), c10));
    v128.store(c, f32x4.add(v128.load(c, 16), c11), 16);
    c += ldc;
    v128.store(c, f32x4.add(v128.load(c), c20));
    v128.store(c, f32x4.add(v128.load(c, 16), c21), 16);
    c += ldc;
    v128.store(c, f32x4.add(v128.load(c), c30));
    v128.store(c, f32x4.add(v128.load(c, 16), c31), 16);
  } else {
    v128.store(tile, c00);
    v128.store(tile, c01, 16);
    v128.store(tile, c10, 32);
    v128.store(tile, c11, 48);
    v128.store(tile, c20, 64);
    v128.store(tile, c21, 80);
    v128.store(tile, c30, 96);
    v128.store(tile, c31, 112);
    for (let r = 0; r < h; r++) {
      for (let j = 0; j < w; j++) {
        const p = c + <usize>r * ldc + (<usize>j << 2);
        const t = load<f32>(tile + (<usize>(r * NR + j) << 2));
        store<f32>(p, first ? t : load<f32>(p) + t);
      }
    }
  }
}

/**
 * The panel width of a product whose shared dimension is `K`: the fewest panels of at most KC,
 * made equal (`ceil(K / ceil(K / KC))`; the last may be shorter). The first `m` panels of K are
 * then exactly the panels of a product over their `m · panel` columns alone, so a block of whole
 * panels computes what the whole product computes on them.
 */
export function gemmPanelK(K: i32): i32 {
  if (K <= KC) return K;
  const panels = (K + KC - 1) / KC;
  return (K + panels - 1) / panels;
}

/**
 * `C[r, j] = (…((C[r, j] + T₀[r, j]) + T₁[r, j]) …) + T_{count−1}[r, j]` for `rows` rows of
 * `cols`: C's rows `ldc` elements apart, each Tₚ at `t + 4·p·tstride` with rows `ldt` apart. The
 * partial products of the later panels of a product split over its shared dimension (each from
 * `gemmF32Part` on its own panel), added to the earlier panels' sum in panel order: the same float32
 * additions, in the same order, as `gemmF32Part` does over the whole shared dimension.
 */
export function addPanelsF32(c: usize, ldc: i32, t: usize, ldt: i32, tstride: i32, rows: i32, cols: i32, count: i32): void {
  const cl = <usize>ldc << 2;
  const tl = <usize>ldt << 2;
  const ts = <usize>tstride << 2;
  for (let r = 0; r < rows; r++) {
    const cr = c + <usize>r * cl;
    const tr = t + <usize>r * tl;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      let v = v128.load(cr + o);
      for (let p = 0; p < count; p++) v = f32x4.add(v, v128.load(tr + <usize>p * ts + o));
      v128.store(cr + o, v);
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      let v = load<f32>(cr + o);
      for (let p = 0; p < count; p++) v += load<f32>(tr + <usize>p * ts + o);
      store<f32>(cr + o, v);
    }
  }
}

/**
 * `C = A·B` in float32 for one matrix (C's old contents are never read, so it may be uninitialised): A is M × K read at `a + 4·(i·ars + k·acs)`, B is K × N read
 * at `b + 4·(k·brs + j·bcs)`, C is M × N row-major at `c`. Strides are in elements, so a transposed
 * operand is just another pair of strides.
 */
export function gemmF32(a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, c: usize, M: i32, K: i32, N: i32): void {
  if (M <= 0 || N <= 0 || K <= 0) return;
  gemmF32Part(a, ars, acs, b, brs, bcs, c, N, M, K, N, ensureScratch(gemmScratchBytes(K, N)));
}

/** The bytes of packing scratch that {@link gemmF32Part} needs for a product with this K and N. */
export function gemmScratchBytes(K: i32, N: i32): usize {
  const panelsN = (N + NR - 1) / NR;
  const kcMax = min(KC, K);
  return 128 + (<usize>(MC * kcMax) << 2) + (<usize>(kcMax * panelsN * NR) << 2);
}

/**
 * {@link gemmF32} on a block of C whose rows are `ldc` elements apart, packing into `scratch` (at
 * least `gemmScratchBytes(K, N)` bytes, 16-byte aligned) instead of the module's own scratch, and
 * allocating nothing: the form worker threads call, each on its own rows or columns of C, or on
 * a block of whole panels of the shared axis (`gemmPanelK`). Every element of C gets the same
 * sequence of float32 operations whichever block it is computed in (partial sums over the same
 * panels of the shared axis, added to C in the same order; a later block of panels goes to its
 * own buffers, one per panel, which `addPanelsF32` adds in that order), so a product split into
 * blocks is bit for bit the product computed whole.
 */
export function gemmF32Part(
  a: usize,
  ars: i32,
  acs: i32,
  b: usize,
  brs: i32,
  bcs: i32,
  c: usize,
  ldcElems: i32,
  M: i32,
  K: i32,
  N: i32,
  scratch: usize,
): void {
  if (M <= 0 || N <= 0 || K <= 0) return;
  const panelsN = (N + NR - 1) / NR;
  const kcMax = min(KC, K);
  const panel = gemmPanelK(K);
  const tile = scratch;
  const apk = tile + 128;
  const bpk = apk + (<usize>(MC * kcMax) << 2);
  const ldc = <usize>ldcElems << 2;
  for (let pc = 0; pc < K; pc += panel) {
    const kc = min(panel, K - pc);
    packB(b, <usize>brs << 2, <usize>bcs << 2, pc, kc, N, bpk);
    for (let ic = 0; ic < M; ic += MC) {
      const mc = min(MC, M - ic);
      packA(a, <usize>ars << 2, <usize>acs << 2, ic, mc, pc, kc, apk);
      const panelsM = (mc + MR - 1) / MR;
      for (let jp = 0; jp < panelsN; jp++) {
        const w = min(NR, N - jp * NR);
        const bp = bpk + (<usize>(jp * kc * NR) << 2);
        const cj = c + (<usize>(jp * NR) << 2);
        for (let ip = 0; ip < panelsM; ip++) {
          const h = min(MR, mc - ip * MR);
          microKernel(apk + (<usize>(ip * kc * MR) << 2), bp, kc, cj + <usize>(ic + ip * MR) * ldc, ldc, h, w, tile, pc == 0);
        }
      }
    }
  }
}
