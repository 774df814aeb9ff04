import type { BinaryOp, CompareOp, ElementwiseProgram, UnaryOp } from '@downhill/backend';

/** Threads per workgroup of the program kernels (within WebGPU's compatibility-level limit of 128). */
export const WORKGROUP_SIZE = 64;

/**
 * One program compiled to WGSL for a binding layout: which inputs are read from their own
 * (read-only) buffer and which from an output's buffer after a copy (when the device has too few
 * storage bindings for one buffer each).
 */
export interface ProgramShader {
  /** WGSL source. */
  readonly code: string;
  /** For each input, the output whose buffer it is read from (after a copy), or −1 for its own. */
  readonly readFrom: readonly number[];
  /** Storage bindings used: the unpaired inputs, then every output. */
  readonly storageBindings: number;
  /** Bytes of the uniform block: `n`, `stride`, then the scalars as vec4s. */
  readonly uniformBytes: number;
}

/**
 * An f32 as an exact WGSL expression (its bit pattern, so −0 keeps its sign). NaN and infinities
 * are made at run time (a constant expression may not evaluate to them in WGSL).
 */
function f32(v: number): string {
  const bits = new Uint32Array(new Float32Array([v]).buffer)[0];
  return Number.isFinite(v) ? `bitcast<f32>(0x${bits.toString(16)}u)` : `bitcast<f32>(0x${bits.toString(16)}u | u.pad0)`;
}

const UNARY_WGSL: Record<UnaryOp, (x: string) => string> = {
  neg: (x) => `-${x}`,
  abs: (x) => `abs(${x})`,
  sign: (x) => `select(select(${x}, -1.0, ${x} < 0.0), 1.0, ${x} > 0.0)`,
  square: (x) => `${x} * ${x}`,
  sqrt: (x) => `select(sqrt(${x}), nan_(), ${x} < 0.0)`,
  rsqrt: (x) => `rsqrt_(${x})`,
  reciprocal: (x) => `1.0 / ${x}`,
  exp: (x) => `exp(${x})`,
  expm1: (x) => `expm1_(${x})`,
  log: (x) => `log_(${x})`,
  log1p: (x) => `log1p_(${x})`,
  sin: (x) => `sin(${x})`,
  cos: (x) => `cos(${x})`,
  tanh: (x) => `tanh_(${x})`,
  erf: (x) => `erf_(${x})`,
  floor: (x) => `floor(${x})`,
  ceil: (x) => `ceil(${x})`,
  round: (x) => `round(${x})`, // half to even in WGSL
};

const BINARY_WGSL: Record<BinaryOp, (a: string, b: string) => string> = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `${a} / ${b}`,
  pow: (a, b) => `pow_(${a}, ${b})`,
  maximum: (a, b) => `max_(${a}, ${b})`,
  minimum: (a, b) => `min_(${a}, ${b})`,
};

const COMPARE_WGSL: Record<CompareOp, string> = {
  equal: '==',
  notEqual: '!=',
  less: '<',
  lessEqual: '<=',
  greater: '>',
  greaterEqual: '>=',
};

/**
 * Helpers with the primitives' semantics where WGSL's built-ins leave values undefined (NaN
 * propagation of max and min, pow of a negative base, logs and roots out of their domain) or have
 * no built-in (expm1, log1p, erf). NaN is tested on the bits, so no fast-math assumption drops it.
 */
const PRELUDE = `fn nan_() -> f32 { return bitcast<f32>(0x7fc00000u | u.pad0); }
fn inf_() -> f32 { return bitcast<f32>(0x7f800000u | u.pad0); }
fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn max_(a: f32, b: f32) -> f32 { return select(max(a, b), nan_(), isnan_(a) || isnan_(b)); }
fn min_(a: f32, b: f32) -> f32 { return select(min(a, b), nan_(), isnan_(a) || isnan_(b)); }
fn log_(x: f32) -> f32 {
  if (isnan_(x) || x < 0.0) { return nan_(); }
  if (x == 0.0) { return -inf_(); }
  return log(x);
}
fn rsqrt_(x: f32) -> f32 {
  if (isnan_(x) || x < 0.0) { return nan_(); }
  if (x == 0.0) { return select(inf_(), -inf_(), bitcast<u32>(x) != 0u); }
  return inverseSqrt(x);
}
fn tanh_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  return tanh(clamp(x, -20.0, 20.0));
}
fn log1p_(x: f32) -> f32 {
  if (isnan_(x) || x < -1.0) { return nan_(); }
  if (x == -1.0) { return -inf_(); }
  if (x == inf_()) { return x; }
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  return log(u) * x / (u - 1.0);
}
fn expm1_(x: f32) -> f32 {
  if (abs(x) < 1e-5) { return x + 0.5 * x * x; }
  return exp(x) - 1.0;
}
fn erf_(x: f32) -> f32 {
  // Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7), odd
  let a = abs(x);
  if (a < 1e-3) { return x * 1.1283791670955126; }
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return select(y, -y, x < 0.0);
}
fn pow_(a: f32, b: f32) -> f32 {
  // NumPy's conventions: pow(1, y) = 1, pow(x, 0) = 1, pow(−1, ±∞) = 1; a negative base needs an integer exponent
  if (a == 1.0 || b == 0.0) { return 1.0; }
  if (isnan_(a) || isnan_(b)) { return nan_(); }
  let ab = abs(a);
  if (ab == 1.0 && abs(b) == inf_()) { return 1.0; }
  var r: f32;
  if (ab == 0.0) { r = select(inf_(), 0.0, b > 0.0); }
  else if (ab == inf_()) { r = select(0.0, inf_(), b > 0.0); }
  else if (abs(b) == inf_()) { r = select(select(inf_(), 0.0, b > 0.0), select(0.0, inf_(), b > 0.0), ab > 1.0); }
  else { r = exp2(b * log2(ab)); }
  if (a < 0.0 || (a == 0.0 && bitcast<u32>(a) != 0u)) {
    // a finite negative base needs an integer exponent; pow(−∞, 0.5) is +∞ (C99)
    if (ab != inf_() && abs(b) != inf_() && b != floor(b)) { return nan_(); }
    let odd = abs(b) < 16777216.0 && (abs(b) - 2.0 * floor(abs(b) * 0.5)) == 1.0;
    if (odd) { return -r; }
  }
  return r;
}
`;

/**
 * WGSL for a program: one thread per element, over a two-dimensional grid. Binding 0 is the
 * uniform block (`n`, the grid's row stride, the scalars); then the inputs read from their own
 * buffers; then the outputs. Where the device allows fewer storage bindings than inputs plus
 * outputs, inputs are paired with outputs (preferring the pairs `pairs` suggests): the caller copies
 * such an input into its output's buffer first, and the thread reads it there before writing.
 *
 * @param program - A checked program.
 * @param maxStorage - The device's storage buffers per shader stage.
 * @param pairs - Preferred input for each output (such as the in-place request), or undefined.
 * @returns The shader, or undefined when even pairing cannot fit the device's bindings.
 */
export function programShader(
  program: ElementwiseProgram,
  maxStorage: number,
  pairs: readonly (number | undefined)[] = [],
): ProgramShader | undefined {
  const k = program.inputs;
  const m = program.outputs.length;
  const readFrom = new Array<number>(k).fill(-1);
  let over = k + m - maxStorage;
  if (over > 0) {
    const taken = new Set<number>();
    const pair = (o: number, t: number) => {
      readFrom[t] = o;
      taken.add(o);
      over--;
    };
    for (let o = 0; o < m && over > 0; o++) {
      const t = pairs[o];
      if (t !== undefined && readFrom[t] < 0) pair(o, t);
    }
    for (let o = 0; o < m && over > 0; o++) {
      if (taken.has(o)) continue;
      const t = readFrom.findIndex((r) => r < 0);
      if (t < 0) break;
      pair(o, t);
    }
    if (over > 0) return undefined;
  }
  const quads = Math.max(1, Math.ceil(program.scalars / 4));
  const lines: string[] = [];
  const bindings: string[] = [];
  let binding = 1;
  for (let t = 0; t < k; t++) if (readFrom[t] < 0) bindings.push(`@group(0) @binding(${binding++}) var<storage, read> in${t}: array<f32>;`);
  for (let o = 0; o < m; o++) bindings.push(`@group(0) @binding(${binding++}) var<storage, read_write> out${o}: array<f32>;`);
  const lane = ['x', 'y', 'z', 'w'];
  program.nodes.forEach((node, i) => {
    switch (node.op) {
      case 'input':
        lines.push(`let v${i} = ${readFrom[node.index] < 0 ? `in${node.index}` : `out${readFrom[node.index]}`}[i];`);
        break;
      case 'scalar':
        lines.push(`let v${i} = u.s[${node.index >> 2}].${lane[node.index & 3]};`);
        break;
      case 'const':
        lines.push(`let v${i} = ${f32(node.value)};`);
        break;
      case 'unary':
        lines.push(`let v${i} = ${UNARY_WGSL[node.fn](`v${node.x}`)};`);
        break;
      case 'binary':
        lines.push(`let v${i} = ${BINARY_WGSL[node.fn](`v${node.a}`, `v${node.b}`)};`);
        break;
      case 'compare':
        lines.push(`let v${i} = v${node.a} ${COMPARE_WGSL[node.fn]} v${node.b};`);
        break;
      case 'where':
        lines.push(`let v${i} = select(v${node.b}, v${node.a}, v${node.cond});`);
        break;
      default:
        node satisfies never;
    }
  });
  // every input is read (above) before any output is written
  program.outputs.forEach((o, q) => lines.push(`out${q}[i] = v${o};`));
  const code = `${PRELUDE}
struct Uniforms {
  n: u32,
  stride: u32,
  pad0: u32,
  pad1: u32,
  s: array<vec4<f32>, ${quads}>,
};
@group(0) @binding(0) var<uniform> u: Uniforms;
${bindings.join('\n')}

@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * u.stride;
  if (i >= u.n) {
    return;
  }
  ${lines.join('\n  ')}
}
`;
  return { code, readFrom, storageBindings: binding - 1, uniformBytes: 16 + 16 * quads };
}
