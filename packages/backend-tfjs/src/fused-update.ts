import * as tf from '@tensorflow/tfjs-core';
import type { FusedHyperparameters, FusedUpdateKind } from '@downhill/backend';

/**
 * One optimizer update in TensorFlow.js ops, inside one `tf.tidy`: the semantics of
 * `FusedUpdateKind` (see `@downhill/backend`). Not in place: returns new tensors.
 *
 * ```text
 * sgd:     g ← g + wd·p;  buf ← μ·buf + (1 − dampening)·g;  d = nesterov ? g + μ·buf : buf;  p ← p − lr·d
 * adam:    m ← b1·m + (1 − b1)·g;  v ← b2·v + (1 − b2)·g²;  p ← p − lr·(m̂ / (√(v̂ + epsRoot) + eps) + wd·p)
 * rmsprop: nu ← ρ·nu + (1 − ρ)·g²;  [mg ← ρ·mg + (1 − ρ)·g];  u = g / (√s + eps);  [mom ← μ·mom + u];  p ← p − lr·u
 * ```
 *
 * @param kind - Which update.
 * @param p - The parameter.
 * @param g - Its gradient.
 * @param state - The state tensors in the order of `FusedUpdateKind`.
 * @param hyper - The hyperparameters of `kind`.
 * @returns The new parameter and state (tfjs tensors the caller owns).
 * @example
 * ```ts
 * const { param } = tfFusedUpdate('sgd', p, g, [], { lr: 0.1, momentum: 0, dampening: 0, nesterov: 0, weightDecay: 0 });
 * ```
 */
export function tfFusedUpdate<K extends FusedUpdateKind>(
  kind: K,
  p: tf.Tensor,
  g: tf.Tensor,
  state: readonly tf.Tensor[],
  hyper: FusedHyperparameters[K],
): { param: tf.Tensor; state: tf.Tensor[] } {
  return tf.tidy(() => {
    const s = (v: number) => tf.scalar(v, p.dtype);
    if (kind === 'sgd') {
      const h = hyper as FusedHyperparameters['sgd'];
      const grad = h.weightDecay !== 0 ? tf.add(g, tf.mul(p, s(h.weightDecay))) : g;
      if (h.momentum === 0) return { param: tf.sub(p, tf.mul(grad, s(h.lr))), state: [] };
      const buf = tf.add(tf.mul(state[0], s(h.momentum)), tf.mul(grad, s(1 - h.dampening)));
      const d = h.nesterov ? tf.add(grad, tf.mul(buf, s(h.momentum))) : buf;
      return { param: tf.sub(p, tf.mul(d, s(h.lr))), state: [buf] };
    }
    if (kind === 'adam') {
      const h = hyper as FusedHyperparameters['adam'];
      const m = tf.add(tf.mul(state[0], s(h.b1)), tf.mul(g, s(1 - h.b1)));
      const v = tf.add(tf.mul(state[1], s(h.b2)), tf.mul(tf.square(g), s(1 - h.b2)));
      const mHat = tf.div(m, s(1 - h.b1 ** h.step));
      const vHat = tf.div(v, s(1 - h.b2 ** h.step));
      let u = tf.div(mHat, tf.add(tf.sqrt(tf.add(vHat, s(h.epsRoot))), s(h.eps)));
      if (h.weightDecay !== 0) u = tf.add(u, tf.mul(p, s(h.weightDecay)));
      return { param: tf.sub(p, tf.mul(u, s(h.lr))), state: [m, v] };
    }
    const h = hyper as FusedHyperparameters['rmsprop'];
    const out: tf.Tensor[] = [];
    let k = 0;
    const nu = tf.add(tf.mul(state[k++], s(h.decay)), tf.mul(tf.square(g), s(1 - h.decay)));
    out.push(nu);
    let second: tf.Tensor = nu;
    if (h.centered) {
      const mg = tf.add(tf.mul(state[k++], s(h.decay)), tf.mul(g, s(1 - h.decay)));
      out.push(mg);
      second = tf.relu(tf.sub(nu, tf.square(mg)));
    }
    let u = h.epsInSqrt ? tf.div(g, tf.sqrt(tf.add(second, s(h.eps)))) : tf.div(g, tf.add(tf.sqrt(second), s(h.eps)));
    if (h.momentum !== 0) {
      u = tf.add(tf.mul(state[k++], s(h.momentum)), u);
      out.push(u);
    }
    return { param: tf.sub(p, tf.mul(u, s(h.lr))), state: out };
  });
}
