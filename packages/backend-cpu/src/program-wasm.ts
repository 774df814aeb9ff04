import type { ElementwiseProgram, UnaryOp, BinaryOp, CompareOp } from '@downhill/backend';
import { Bytes, F32, I32, OP, SIMD, V128, moduleBytes } from './wasm/encoder.js';

/**
 * A program compiled to WebAssembly SIMD: `run(desc, groups)` walks `groups` records at `desc` in
 * the shared heap, each `[n, input pointers…, output pointers…, scalars as f32…]` (4-byte words),
 * and computes every group in one call: two vectors of four lanes at a time, then one vector, then
 * one element at a time.
 */
export interface WasmProgram {
  /** The exported entry point. */
  readonly run: (desc: number, groups: number) => void;
  /** Words per group record: 1 + inputs + outputs + scalars. */
  readonly stride: number;
  /** The compiled module (worker threads instantiate it over the same memory). */
  readonly module: object;
}

/** Unary ops with an exact float32 instruction (the result is the float64 result rounded, as the JS loops give). */
const UNARY_SIMD: Partial<Record<UnaryOp, [simd: number, scalar: number]>> = {
  neg: [SIMD.f32x4Neg, OP.f32Neg],
  abs: [SIMD.f32x4Abs, OP.f32Abs],
  sqrt: [SIMD.f32x4Sqrt, OP.f32Sqrt],
  floor: [SIMD.f32x4Floor, OP.f32Floor],
  ceil: [SIMD.f32x4Ceil, OP.f32Ceil],
  round: [SIMD.f32x4Nearest, OP.f32Nearest], // round half to even, as roundHalfEven
};

const BINARY_SIMD: Partial<Record<BinaryOp, [number, number]>> = {
  add: [SIMD.f32x4Add, OP.f32Add],
  sub: [SIMD.f32x4Sub, OP.f32Sub],
  mul: [SIMD.f32x4Mul, OP.f32Mul],
  div: [SIMD.f32x4Div, OP.f32Div],
  // NaN-propagating, −0 below +0: Math.max and Math.min exactly
  maximum: [SIMD.f32x4Max, OP.f32Max],
  minimum: [SIMD.f32x4Min, OP.f32Min],
};

const COMPARE_SIMD: Record<CompareOp, [number, number]> = {
  equal: [SIMD.f32x4Eq, OP.f32Eq],
  notEqual: [SIMD.f32x4Ne, OP.f32Ne],
  less: [SIMD.f32x4Lt, OP.f32Lt],
  lessEqual: [SIMD.f32x4Le, OP.f32Le],
  greater: [SIMD.f32x4Gt, OP.f32Gt],
  greaterEqual: [SIMD.f32x4Ge, OP.f32Ge],
};

/** Unary ops written with a few exact instructions. */
const UNARY_COMPOSED = new Set<UnaryOp>(['square', 'reciprocal', 'sign']);

/**
 * Whether every op of a program has an exact float32 WebAssembly form. The others (`exp`,
 * `expm1`, `log`, `log1p`, `sin`, `cos`, `tanh`, `erf`, `rsqrt`, `pow`) have no SIMD instruction
 * (and `rsqrt` as `1/√x` in float32 rounds twice), so such programs run as JavaScript loops.
 */
export function wasmSupports(program: ElementwiseProgram): boolean {
  return program.nodes.every((n) =>
    n.op === 'unary'
      ? UNARY_SIMD[n.fn] !== undefined || UNARY_COMPOSED.has(n.fn)
      : n.op === 'binary'
        ? BINARY_SIMD[n.fn] !== undefined
        : true,
  );
}

/**
 * How one lane reads, computes and writes: unrolled vector u (four elements in a v128, a
 * comparison's mask in the same v128 locals) or one element (an f32, a comparison's 0/1 in its
 * i32 local), for one emitter of the loop body over both.
 */
interface Lane {
  /** Bytes of memory one lane covers. */
  readonly bytes: number;
  /** Loads the value at the pointer on the stack (offset by the lane). */
  readonly load: () => void;
  /** Stores the value on the stack at the pointer under it (offset by the lane). */
  readonly store: () => void;
  /** Pushes node x's value. */
  readonly value: (x: number) => void;
  /** Pops node j's value into its local. */
  readonly setValue: (j: number) => void;
  /** Pushes comparison x's result, as `select` takes it. */
  readonly mask: (x: number) => void;
  /** Pops comparison j's result into its local. */
  readonly setMask: (j: number) => void;
  /** Pushes a constant. */
  readonly constant: (v: number) => void;
  /** Emits the lane's instruction of a `[simd, scalar]` pair. */
  readonly op: (ops: readonly [number, number]) => void;
  /** Emits `select` (a where the mask is set, else b; pops a, b, mask). */
  readonly select: () => void;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/**
 * How the vector loop is laid out (for measurements; the default is the one measured fastest):
 * `unroll` vectors of four lanes per iteration, their nodes emitted node by node (`'node'`: node
 * j of every vector, then node j + 1) or vector by vector (`'vector'`).
 *
 * @internal
 */
export interface WasmLoopShape {
  readonly unroll: 1 | 2 | 4;
  readonly order: 'node' | 'vector';
}

/** The loop shape in use: two vectors (8 lanes) per iteration, node by node. */
export const DEFAULT_LOOP_SHAPE: WasmLoopShape = { unroll: 2, order: 'node' };

/**
 * Compiles a program (every op supported, see {@link wasmSupports}) into a module over `memory`,
 * or returns undefined where the engine refuses (no SIMD, synchronous compilation refused).
 *
 * Each group runs as three loops over the same per-element code, every one testing its count at
 * the bottom and bumping each operand's pointer instead of recomputing addresses: `unroll` vectors
 * of four lanes at a time (independent work for the out-of-order core), then the remaining whole
 * vectors one at a time, then the last zero to three elements one at a time. Every element goes
 * through the same ops in the same order whichever loop takes it, so results do not depend on the
 * loop shape, on where a group starts, or on how a run is split across threads.
 */
export function compileWasm(
  program: ElementwiseProgram,
  memory: object,
  maxPages: number,
  shape: WasmLoopShape = DEFAULT_LOOP_SHAPE,
): WasmProgram | undefined {
  const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!WA || !wasmSupports(program)) return undefined;
  const k = program.inputs;
  const m = program.outputs.length;
  const s = program.scalars;
  const N = program.nodes.length;
  const U = shape.unroll;
  const stride = 1 + k + m + s;
  // locals: 0 desc, 1 count | 2 g, 3 rec, 4 n, 5 iterations left | pointers | per node and
  // unrolled vector: v128 | per node: f32, i32
  const G = 2,
    REC = 3,
    NN = 4,
    CNT = 5;
  const PTR = 6;
  const OUT = PTR + k;
  const VEC = OUT + m;
  const SCA = VEC + N * U;
  const INT = SCA + N;
  const locals: [number, number][] = [
    [4 + k + m, I32],
    [N * U, V128],
    [N, F32],
    [N, I32],
  ];
  const b = new Bytes();
  const get = (l: number) => b.byte(OP.localGet).u32(l);
  const set = (l: number) => b.byte(OP.localSet).u32(l);
  const i32 = (v: number) => b.byte(OP.i32Const).s32(v);
  const splatConst = (v: number) => {
    b.simd(SIMD.v128Const);
    for (let l = 0; l < 4; l++) b.f32(v);
  };
  /** The v128 local of node j in unrolled vector u (scalars and constants: one for all). */
  const vec = (j: number, u: number) => {
    const op = program.nodes[j].op;
    return VEC + j * U + (op === 'scalar' || op === 'const' ? 0 : u);
  };
  /** Moves every pointer on by `bytes`. */
  const bump = (bytes: number) => {
    for (let t = 0; t < k + m; t++) get(PTR + t), i32(bytes), b.byte(OP.i32Add), set(PTR + t);
  };
  /** Runs `body` CNT times (none when CNT is 0), the test at the bottom. */
  const repeat = (body: () => void) => {
    b.byte(OP.block, 0x40);
    get(CNT), b.byte(OP.i32Eqz, OP.brIf).u32(0);
    b.byte(OP.loop, 0x40);
    body();
    get(CNT), i32(1), b.byte(OP.i32Sub), b.byte(OP.localTee).u32(CNT), b.byte(OP.brIf).u32(0);
    b.byte(OP.end, OP.end);
  };

  const vectorLane = (u: number): Lane => ({
    bytes: 16,
    load: () => b.simd(SIMD.v128Load).memarg(2, 16 * u),
    store: () => b.simd(SIMD.v128Store).memarg(2, 16 * u),
    value: (x) => get(vec(x, u)),
    setValue: (j) => set(vec(j, u)),
    mask: (x) => get(vec(x, u)),
    setMask: (j) => set(vec(j, u)),
    constant: splatConst,
    op: (ops) => b.simd(ops[0]),
    select: () => b.simd(SIMD.v128Bitselect),
  });
  const scalarLane: Lane = {
    bytes: 4,
    load: () => b.byte(OP.f32Load).memarg(2, 0),
    store: () => b.byte(OP.f32Store).memarg(2, 0),
    value: (x) => get(SCA + x),
    setValue: (j) => set(SCA + j),
    mask: (x) => get(INT + x),
    setMask: (j) => set(INT + j),
    constant: (v) => b.byte(OP.f32Const).f32(v),
    op: (ops) => b.byte(ops[1]),
    select: () => b.byte(OP.select),
  };

  /** Node j of one lane, its value left in its local. */
  const emitNode = (j: number, lane: Lane) => {
    const node = program.nodes[j];
    const { value: v, constant: c, op } = lane;
    switch (node.op) {
      case 'input':
      case 'scalar':
      case 'const':
        return;
      case 'unary': {
        const x = node.x;
        if (node.fn === 'square') v(x), v(x), op(BINARY_SIMD.mul!);
        else if (node.fn === 'reciprocal') c(1), v(x), op(BINARY_SIMD.div!);
        else if (node.fn === 'sign') {
          // x > 0 ? 1 : x < 0 ? −1 : x
          c(1), c(-1), v(x), v(x), c(0), op(COMPARE_SIMD.less), lane.select();
          v(x), c(0), op(COMPARE_SIMD.greater), lane.select();
        } else v(x), op(UNARY_SIMD[node.fn]!);
        break;
      }
      case 'binary':
        v(node.a), v(node.b), op(BINARY_SIMD[node.fn]!);
        break;
      case 'compare':
        v(node.a), v(node.b), op(COMPARE_SIMD[node.fn]), lane.setMask(j);
        return;
      case 'where':
        v(node.a), v(node.b), lane.mask(node.cond), lane.select();
        break;
      default:
        node satisfies never;
    }
    lane.setValue(j);
  };

  /** One element per lane at the pointers (`lanes` in memory order), which then move on past them. */
  const body = (lanes: readonly Lane[]) => {
    program.nodes.forEach((node, j) => {
      if (node.op !== 'input') return;
      for (const lane of lanes) get(PTR + node.index), lane.load(), lane.setValue(j);
    });
    if (shape.order === 'node') for (let j = 0; j < N; j++) for (const lane of lanes) emitNode(j, lane);
    else for (const lane of lanes) for (let j = 0; j < N; j++) emitNode(j, lane);
    program.outputs.forEach((o, q) => {
      for (const lane of lanes) get(OUT + q), lane.value(o), lane.store();
    });
    bump(lanes.reduce((sum, lane) => sum + lane.bytes, 0));
  };
  /** `count` unrolled vectors of four lanes. */
  const vectors = (count: number) => Array.from({ length: count }, (_, u) => vectorLane(u));

  b.byte(OP.block, 0x40).byte(OP.loop, 0x40);
  get(G), get(1), b.byte(OP.i32GeS, OP.brIf).u32(1);
  get(0), get(G), i32(stride * 4), b.byte(OP.i32Mul, OP.i32Add), set(REC);
  get(REC), b.byte(OP.i32Load).memarg(2, 0), set(NN);
  for (let t = 0; t < k + m; t++) get(REC), b.byte(OP.i32Load).memarg(2, 4 * (1 + t)), set(PTR + t);
  program.nodes.forEach((node, j) => {
    if (node.op === 'scalar') {
      get(REC),
        b.byte(OP.f32Load).memarg(2, 4 * (1 + k + m + node.index)),
        b.byte(OP.localTee).u32(SCA + j),
        b.simd(SIMD.f32x4Splat),
        set(vec(j, 0));
    } else if (node.op === 'const') {
      b.byte(OP.f32Const).f32(node.value), b.byte(OP.localTee).u32(SCA + j), b.simd(SIMD.f32x4Splat), set(vec(j, 0));
    }
  });
  if (U > 1) {
    // U vectors at a time, then the whole vectors left one at a time
    get(NN), i32(Math.log2(4 * U)), b.byte(OP.i32ShrU), set(CNT);
    repeat(() => body(vectors(U)));
    get(NN), i32(2), b.byte(OP.i32ShrU), i32(U - 1), b.byte(OP.i32And), set(CNT);
  } else get(NN), i32(2), b.byte(OP.i32ShrU), set(CNT);
  repeat(() => body(vectors(1)));
  // the last elements, one at a time
  get(NN), i32(3), b.byte(OP.i32And), set(CNT);
  repeat(() => body([scalarLane]));

  get(G), i32(1), b.byte(OP.i32Add), set(G);
  b.byte(OP.br).u32(0).byte(OP.end, OP.end);
  b.byte(OP.end);

  try {
    const bytes = moduleBytes('run', locals, b, maxPages);
    const module = new WA.Module(bytes);
    const instance = new WA.Instance(module, { env: { memory } });
    return { run: instance.exports.run as WasmProgram['run'], stride, module };
  } catch {
    return undefined; // synchronous compilation refused (a browser's main thread), or no SIMD
  }
}
