/**
 * A minimal WebAssembly binary writer: just what the program compiler emits (one function of
 * `(i32, i32) → ()` over an imported shared memory, with i32, f32 and v128 locals). Opcodes follow
 * the WebAssembly 2.0 specification (SIMD instructions behind the `0xfd` prefix).
 */

/** Value types. */
export const I32 = 0x7f;
/** Value types. */
export const F32 = 0x7d;
/** Value types. */
export const V128 = 0x7b;

/** Core opcodes used by the program compiler. */
export const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  f32Load: 0x2a,
  f32Store: 0x38,
  i32Const: 0x41,
  f32Const: 0x43,
  i32Eqz: 0x45,
  i32GeS: 0x4e,
  f32Eq: 0x5b,
  f32Ne: 0x5c,
  f32Lt: 0x5d,
  f32Gt: 0x5e,
  f32Le: 0x5f,
  f32Ge: 0x60,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  f32Abs: 0x8b,
  f32Neg: 0x8c,
  f32Ceil: 0x8d,
  f32Floor: 0x8e,
  f32Nearest: 0x90,
  f32Sqrt: 0x91,
  f32Add: 0x92,
  f32Sub: 0x93,
  f32Mul: 0x94,
  f32Div: 0x95,
  f32Min: 0x96,
  f32Max: 0x97,
} as const;

/** SIMD opcodes (after the `0xfd` prefix). */
export const SIMD = {
  v128Load: 0x00,
  v128Store: 0x0b,
  v128Const: 0x0c,
  f32x4Splat: 0x13,
  f32x4Eq: 0x41,
  f32x4Ne: 0x42,
  f32x4Lt: 0x43,
  f32x4Gt: 0x44,
  f32x4Le: 0x45,
  f32x4Ge: 0x46,
  v128Bitselect: 0x52,
  f32x4Ceil: 0x67,
  f32x4Floor: 0x68,
  f32x4Nearest: 0x6a,
  f32x4Abs: 0xe0,
  f32x4Neg: 0xe1,
  f32x4Sqrt: 0xe3,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Min: 0xe8,
  f32x4Max: 0xe9,
} as const;

/** A growable byte buffer with the encodings WebAssembly uses. */
export class Bytes {
  private buf: number[] = [];

  /** Appends raw bytes. */
  byte(...bs: number[]): this {
    for (const b of bs) this.buf.push(b & 0xff);
    return this;
  }
  /** Unsigned LEB128. */
  u32(v: number): this {
    let x = v >>> 0;
    do {
      let b = x & 0x7f;
      x >>>= 7;
      if (x !== 0) b |= 0x80;
      this.buf.push(b);
    } while (x !== 0);
    return this;
  }
  /** Signed LEB128 (32-bit). */
  s32(v: number): this {
    let x = v | 0;
    for (;;) {
      const b = x & 0x7f;
      x >>= 7;
      if ((x === 0 && (b & 0x40) === 0) || (x === -1 && (b & 0x40) !== 0)) {
        this.buf.push(b);
        return this;
      }
      this.buf.push(b | 0x80);
    }
  }
  /** A float32, little-endian. */
  f32(v: number): this {
    const a = new Uint8Array(new Float32Array([v]).buffer);
    return this.byte(...a);
  }
  /** A length-prefixed UTF-8 name. */
  name(s: string): this {
    const b = new TextEncoder().encode(s);
    this.u32(b.length);
    return this.byte(...b);
  }
  /** Appends another buffer, prefixed by its length. */
  sized(other: Bytes): this {
    this.u32(other.length);
    for (const b of other.buf) this.buf.push(b);
    return this;
  }
  /** Appends another buffer as is. */
  append(other: Bytes): this {
    for (const b of other.buf) this.buf.push(b);
    return this;
  }
  /** A SIMD instruction. */
  simd(op: number): this {
    return this.byte(0xfd).u32(op);
  }
  /** A memory argument (alignment as a power of two, offset). */
  memarg(alignLog2: number, offset: number): this {
    return this.u32(alignLog2).u32(offset);
  }
  /** The number of bytes written. */
  get length(): number {
    return this.buf.length;
  }
  /** The bytes. */
  bytes(): Uint8Array {
    return Uint8Array.from(this.buf);
  }
}

/**
 * A module of one exported function `name(i32, i32)` with the given locals and body, importing
 * `env.memory` (shared, with the given maximum in pages).
 */
export function moduleBytes(
  name: string,
  locals: readonly (readonly [count: number, type: number])[],
  body: Bytes,
  maxPages: number,
): Uint8Array {
  const m = new Bytes().byte(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
  const section = (id: number, content: Bytes) => m.byte(id).sized(content);
  section(1, new Bytes().u32(1).byte(0x60).u32(2).byte(I32, I32).u32(0));
  section(2, new Bytes().u32(1).name('env').name('memory').byte(0x02, 0x03).u32(1).u32(maxPages));
  section(3, new Bytes().u32(1).u32(0));
  section(7, new Bytes().u32(1).name(name).byte(0x00).u32(0));
  // a function's code is its local declarations, then its instructions (ending with `end`)
  const code = new Bytes().u32(locals.length);
  for (const [count, type] of locals) code.u32(count).byte(type);
  code.append(body);
  section(10, new Bytes().u32(1).sized(code));
  return m.bytes();
}
