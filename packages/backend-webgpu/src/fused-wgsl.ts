import type { FusedHyperparameters, FusedUpdateKind } from '@downhill/backend';

/** Threads per workgroup of the fused kernels (within WebGPU's compatibility-level limit of 128). */
export const WORKGROUP_SIZE = 64;

/**
 * One compiled form of a fused update: the WGSL source, the state tensors it binds, and how the
 * hyperparameters fill its uniform block. Kinds whose state count depends on the hyperparameters
 * (SGD with or without momentum, RMSProp centered or not, with or without momentum) have one
 * variant per count, so every variant binds exactly the buffers it uses.
 */
export interface FusedVariant {
  /** Cache key of the compiled pipeline, such as `rmsprop/centered/momentum`. */
  readonly key: string;
  /** Number of state buffers, in the order of `FusedUpdateKind`'s documentation. */
  readonly states: number;
  /** The hyperparameter values of the uniform block, after `n` and `stride`, in declaration order. */
  readonly uniforms: readonly number[];
  /** WGSL source. */
  readonly code: string;
}

/**
 * The shader skeleton shared by every variant: binding 0 is the uniform block, 1 the gradient
 * (read), 2 the parameter (read-write), 3… the state tensors (read-write). Each thread updates one
 * element; the grid is two-dimensional so that more than 65 535 workgroups' worth of elements fit.
 */
function shader(fields: readonly string[], states: readonly string[], body: string): string {
  const uniformFields = ['n: u32', 'stride: u32', ...fields.map((f) => `${f}: f32`)].join(',\n  ');
  const stateBindings = states
    .map((s, i) => `@group(0) @binding(${3 + i}) var<storage, read_write> ${s}: array<f32>;`)
    .join('\n');
  return `struct Hyper {
  ${uniformFields},
};
@group(0) @binding(0) var<uniform> h: Hyper;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;
${stateBindings}

@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * h.stride;
  if (i >= h.n) {
    return;
  }
  let p = param[i];
${body}
}
`;
}

/**
 * SGD with momentum, dampening, Nesterov and L2 weight decay (`fused.ts`):
 * `g ← g + λp; buf ← μ·buf + (1 − τ)·g; d = nesterov ? g + μ·buf : buf; p ← p − lr·d`.
 */
function sgd(h: FusedHyperparameters['sgd']): FusedVariant {
  const withMomentum = h.momentum !== 0;
  const body = withMomentum
    ? `  let g = grad[i] + h.weightDecay * p;
  let b = h.momentum * buf[i] + (1.0 - h.dampening) * g;
  buf[i] = b;
  let d = select(b, g + h.momentum * b, h.nesterov != 0.0);
  param[i] = p - h.lr * d;`
    : `  let g = grad[i] + h.weightDecay * p;
  param[i] = p - h.lr * g;`;
  const fields = ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay'];
  return {
    key: withMomentum ? 'sgd/momentum' : 'sgd/plain',
    states: withMomentum ? 1 : 0,
    uniforms: [h.lr, h.momentum, h.dampening, h.nesterov, h.weightDecay],
    code: shader(fields, withMomentum ? ['buf'] : [], body),
  };
}

/**
 * Adam with AdamW's decoupled decay (`fused.ts`); the bias corrections `1 − β₁ᵗ` and `1 − β₂ᵗ`
 * are computed on the host in float64 and passed in.
 */
function adam(h: FusedHyperparameters['adam']): FusedVariant {
  const body = `  let g = grad[i];
  let m = h.b1 * mu[i] + (1.0 - h.b1) * g;
  let v = h.b2 * nu[i] + (1.0 - h.b2) * g * g;
  mu[i] = m;
  nu[i] = v;
  let mHat = m / h.bc1;
  let vHat = v / h.bc2;
  param[i] = p - h.lr * (mHat / (sqrt(vHat + h.epsRoot) + h.eps) + h.weightDecay * p);`;
  const fields = ['lr', 'b1', 'b2', 'eps', 'epsRoot', 'weightDecay', 'bc1', 'bc2'];
  return {
    key: 'adam',
    states: 2,
    uniforms: [h.lr, h.b1, h.b2, h.eps, h.epsRoot, h.weightDecay, 1 - h.b1 ** h.step, 1 - h.b2 ** h.step],
    code: shader(fields, ['mu', 'nu'], body),
  };
}

/** RMSProp, plain or centered, with or without momentum, ε outside or inside the root (`fused.ts`). */
function rmsprop(h: FusedHyperparameters['rmsprop']): FusedVariant {
  const centered = h.centered !== 0;
  const withMomentum = h.momentum !== 0;
  const states = ['nu', ...(centered ? ['mg'] : []), ...(withMomentum ? ['mom'] : [])];
  const lines = [
    '  let g = grad[i];',
    '  let n2 = h.decay * nu[i] + (1.0 - h.decay) * g * g;',
    '  nu[i] = n2;',
  ];
  if (centered) {
    lines.push('  let a = h.decay * mg[i] + (1.0 - h.decay) * g;', '  mg[i] = a;', '  let s = max(n2 - a * a, 0.0);');
  } else {
    lines.push('  let s = n2;');
  }
  lines.push('  var u = select(g / (sqrt(s) + h.eps), g / sqrt(s + h.eps), h.epsInSqrt != 0.0);');
  if (withMomentum) lines.push('  let mo = h.momentum * mom[i] + u;', '  mom[i] = mo;', '  u = mo;');
  lines.push('  param[i] = p - h.lr * u;');
  const fields = ['lr', 'decay', 'eps', 'epsInSqrt', 'momentum'];
  return {
    key: `rmsprop/${centered ? 'centered' : 'plain'}/${withMomentum ? 'momentum' : 'none'}`,
    states: states.length,
    uniforms: [h.lr, h.decay, h.eps, h.epsInSqrt, h.momentum],
    code: shader(fields, states, lines.join('\n')),
  };
}

/**
 * The shader variant and uniform values of one fused update.
 *
 * @example
 * ```ts
 * fusedVariant('sgd', { lr: 0.1, momentum: 0, dampening: 0, nesterov: 0, weightDecay: 0 }).key; // 'sgd/plain'
 * ```
 */
export function fusedVariant<K extends FusedUpdateKind>(kind: K, hyper: FusedHyperparameters[K]): FusedVariant {
  switch (kind) {
    case 'sgd':
      return sgd(hyper as FusedHyperparameters['sgd']);
    case 'adam':
      return adam(hyper as FusedHyperparameters['adam']);
    case 'rmsprop':
      return rmsprop(hyper as FusedHyperparameters['rmsprop']);
    default:
      return kind satisfies never;
  }
}

/** One hyperparameter set per variant, to compile every pipeline ahead of the first step. */
export const ALL_VARIANT_SAMPLES: readonly { kind: FusedUpdateKind; hyper: FusedHyperparameters[FusedUpdateKind] }[] = [
  { kind: 'sgd', hyper: { lr: 1, momentum: 0, dampening: 0, nesterov: 0, weightDecay: 0 } },
  { kind: 'sgd', hyper: { lr: 1, momentum: 0.9, dampening: 0, nesterov: 0, weightDecay: 0 } },
  { kind: 'adam', hyper: { lr: 1, b1: 0.9, b2: 0.999, eps: 1e-8, epsRoot: 0, weightDecay: 0, step: 1 } },
  ...[0, 1].flatMap((centered) =>
    [0, 0.9].map((momentum) => ({
      kind: 'rmsprop' as const,
      hyper: { lr: 1, decay: 0.9, eps: 1e-8, epsInSqrt: 0, centered, momentum },
    })),
  ),
];
