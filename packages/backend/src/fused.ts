import type { ElementwiseProgram, ProgramNode } from './program.js';
import type { BinaryOp, UnaryOp } from './ops.js';

/**
 * Transitional: the per-optimizer fused updates of specification v1, kept only until no package
 * calls `fusedUpdate`; `defineBackend` runs them as elementwise programs (see
 * {@link fusedUpdateProgram}), so no backend has a per-kind kernel any more.
 *
 * Fused optimizer updates: one pass over a parameter, its gradient and its optimizer state.
 * A backend lists the kinds it offers in `capabilities.fusedUpdates`; code above the waist uses a
 * kind where it is offered and the composed primitives otherwise, with the same results (within
 * the rounding of the dtype).
 *
 * The semantics every backend implements, with `g` the gradient and `p` the parameter:
 *
 * **`sgd`**: state `[]` when `momentum` is 0, else `[buf]` (starting at zero).
 * ```text
 * g ← g + weightDecay·p
 * buf ← momentum·buf + (1 − dampening)·g          (when momentum ≠ 0)
 * d ← nesterov ? g + momentum·buf : buf            (d = g when momentum = 0)
 * p ← p − lr·d
 * ```
 *
 * **`adam`** (Kingma and Ba, with AdamW's decoupled decay; `step` is t ≥ 1, the count after this update):
 * ```text
 * m ← b1·m + (1 − b1)·g
 * v ← b2·v + (1 − b2)·g²
 * m̂ = m / (1 − b1^t),  v̂ = v / (1 − b2^t)
 * p ← p − lr·( m̂ / (√(v̂ + epsRoot) + eps) + weightDecay·p )
 * ```
 *
 * **`rmsprop`** (Tieleman and Hinton; state `[nu]`, then `mg` when `centered`, then `mom` when `momentum ≠ 0`):
 * ```text
 * nu ← decay·nu + (1 − decay)·g²
 * mg ← decay·mg + (1 − decay)·g                  (centered)
 * s = nu − mg²  (centered)  or  nu
 * u = g / (√s + eps)   or, with epsInSqrt = 1,   g / √(s + eps)
 * mom ← momentum·mom + u;  u = mom               (momentum ≠ 0)
 * p ← p − lr·u
 * ```
 *
 * @example
 * ```ts
 * if (backend.capabilities.fusedUpdates.includes('adam')) {
 *   const { param, state } = backend.fusedUpdate('adam', { param: p, grad: g, state: [m, v] },
 *     { lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, epsRoot: 0, weightDecay: 0, step: 1 });
 * }
 * ```
 */
export type FusedUpdateKind = 'sgd' | 'adam' | 'rmsprop';

/** The hyperparameters of each fused kind (flags are 0 or 1). */
export interface FusedHyperparameters {
  /** SGD with momentum, dampening, Nesterov (0 or 1) and coupled weight decay. */
  sgd: { lr: number; momentum: number; dampening: number; nesterov: number; weightDecay: number };
  /** Adam with bias correction at step `step` (≥ 1), `epsRoot` inside the root, decoupled weight decay. */
  adam: { lr: number; b1: number; b2: number; eps: number; epsRoot: number; weightDecay: number; step: number };
  /** RMSprop, centered (0 or 1), with momentum, and `eps` inside the root when `epsInSqrt` is 1. */
  rmsprop: { lr: number; decay: number; eps: number; epsInSqrt: number; centered: number; momentum: number };
}

/** How many state tensors a fused kind keeps for given hyperparameters. */
export function fusedStateCount<K extends FusedUpdateKind>(kind: K, hyper: FusedHyperparameters[K]): number {
  switch (kind) {
    case 'sgd':
      return (hyper as FusedHyperparameters['sgd']).momentum !== 0 ? 1 : 0;
    case 'adam':
      return 2;
    case 'rmsprop': {
      const h = hyper as FusedHyperparameters['rmsprop'];
      return 1 + (h.centered ? 1 : 0) + (h.momentum !== 0 ? 1 : 0);
    }
    default:
      return kind satisfies never;
  }
}

/** A program under construction (transitional helper of {@link fusedUpdateProgram}). */
class ProgramBuilder {
  readonly nodes: ProgramNode[] = [];
  scalars = 0;
  private push(n: ProgramNode): number {
    this.nodes.push(n);
    return this.nodes.length - 1;
  }
  input(index: number): number {
    return this.push({ op: 'input', index });
  }
  scalar(): number {
    return this.push({ op: 'scalar', index: this.scalars++ });
  }
  un(fn: UnaryOp, x: number): number {
    return this.push({ op: 'unary', fn, x });
  }
  bin(fn: BinaryOp, a: number, b: number): number {
    return this.push({ op: 'binary', fn, a, b });
  }
  zero(): number {
    return this.push({ op: 'const', value: 0 });
  }
}

/** The programs of each variant (structure only; values are scalars), made once. */
const PROGRAMS = new Map<string, { program: ElementwiseProgram; inPlace: (number | undefined)[] }>();

/**
 * Transitional: a fused update as an elementwise program over `[param, grad, ...state]`, with its
 * scalars for `hyper`; outputs are the new parameter and state, and `inPlace` maps each onto its
 * input. Removed with `fusedUpdate`.
 *
 * @param kind - The update.
 * @param hyper - Its hyperparameters.
 * @returns The program, its scalars and the in-place map.
 *
 * @example
 * ```ts
 * const { program, scalars, inPlace } = fusedUpdateProgram('sgd', { lr: 0.1, momentum: 0, dampening: 0, nesterov: 0, weightDecay: 0 });
 * ```
 */
export function fusedUpdateProgram<K extends FusedUpdateKind>(
  kind: K,
  hyper: FusedHyperparameters[K],
): { program: ElementwiseProgram; scalars: number[]; inPlace: (number | undefined)[] } {
  const scalars: number[] = [];
  let key: string;
  switch (kind) {
    case 'sgd': {
      const h = hyper as FusedHyperparameters['sgd'];
      key = `sgd/${h.weightDecay !== 0}/${h.momentum !== 0}/${h.nesterov !== 0}`;
      scalars.push(h.lr, h.weightDecay, h.momentum, 1 - h.dampening);
      break;
    }
    case 'adam': {
      const h = hyper as FusedHyperparameters['adam'];
      key = `adam/${h.weightDecay !== 0}`;
      scalars.push(h.lr, h.b1, 1 - h.b1, h.b2, 1 - h.b2, 1 - h.b1 ** h.step, 1 - h.b2 ** h.step, h.epsRoot, h.eps, h.weightDecay);
      break;
    }
    default: {
      const h = hyper as FusedHyperparameters['rmsprop'];
      key = `rmsprop/${h.centered !== 0}/${h.epsInSqrt !== 0}/${h.momentum !== 0}`;
      scalars.push(h.lr, h.decay, 1 - h.decay, h.eps, h.momentum);
    }
  }
  let made = PROGRAMS.get(key);
  if (!made) {
    made = build(kind, hyper);
    PROGRAMS.set(key, made);
  }
  return { program: made.program, scalars, inPlace: made.inPlace };
}

function build(kind: FusedUpdateKind, hyper: FusedHyperparameters[FusedUpdateKind]): { program: ElementwiseProgram; inPlace: (number | undefined)[] } {
  const b = new ProgramBuilder();
  const p = b.input(0);
  const g = b.input(1);
  const outputs: number[] = [];
  let inputs = 2;
  if (kind === 'sgd') {
    const h = hyper as FusedHyperparameters['sgd'];
    const [lr, wd, mom, oneMinusDamp] = [b.scalar(), b.scalar(), b.scalar(), b.scalar()];
    const gg = h.weightDecay !== 0 ? b.bin('add', g, b.bin('mul', p, wd)) : g;
    let d = gg;
    let buf: number | undefined;
    if (h.momentum !== 0) {
      buf = b.bin('add', b.bin('mul', b.input(inputs++), mom), b.bin('mul', gg, oneMinusDamp));
      d = h.nesterov ? b.bin('add', gg, b.bin('mul', buf, mom)) : buf;
    }
    outputs.push(b.bin('sub', p, b.bin('mul', d, lr)));
    if (buf !== undefined) outputs.push(buf);
  } else if (kind === 'adam') {
    const h = hyper as FusedHyperparameters['adam'];
    const [lr, b1, ob1, b2, ob2, bc1, bc2, epsRoot, eps, wd] = Array.from({ length: 10 }, () => b.scalar());
    const m = b.bin('add', b.bin('mul', b.input(inputs++), b1), b.bin('mul', g, ob1));
    const v = b.bin('add', b.bin('mul', b.input(inputs++), b2), b.bin('mul', b.un('square', g), ob2));
    const mHat = b.bin('div', m, bc1);
    const vHat = b.bin('div', v, bc2);
    let u = b.bin('div', mHat, b.bin('add', b.un('sqrt', b.bin('add', vHat, epsRoot)), eps));
    if (h.weightDecay !== 0) u = b.bin('add', u, b.bin('mul', p, wd));
    outputs.push(b.bin('sub', p, b.bin('mul', u, lr)), m, v);
  } else {
    const h = hyper as FusedHyperparameters['rmsprop'];
    const [lr, decay, oneMinusDecay, eps, mom] = Array.from({ length: 5 }, () => b.scalar());
    const nu = b.bin('add', b.bin('mul', b.input(inputs++), decay), b.bin('mul', b.un('square', g), oneMinusDecay));
    const state = [nu];
    let s = nu;
    if (h.centered) {
      const mg = b.bin('add', b.bin('mul', b.input(inputs++), decay), b.bin('mul', g, oneMinusDecay));
      state.push(mg);
      s = b.bin('maximum', b.bin('sub', nu, b.un('square', mg)), b.zero());
    }
    let u = h.epsInSqrt ? b.bin('div', g, b.un('sqrt', b.bin('add', s, eps))) : b.bin('div', g, b.bin('add', b.un('sqrt', s), eps));
    if (h.momentum !== 0) {
      u = b.bin('add', b.bin('mul', b.input(inputs++), mom), u);
      state.push(u);
    }
    outputs.push(b.bin('sub', p, b.bin('mul', u, lr)), ...state);
  }
  const inPlace = outputs.map((_, o) => (o === 0 ? 0 : o + 1));
  return { program: { inputs, scalars: b.scalars, nodes: b.nodes, outputs }, inPlace };
}
