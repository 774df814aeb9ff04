// Fused optimizer updates in float32, four elements per instruction: one pass that reads the
// parameter, its gradient and the state, and writes the new parameter and state (to the same
// addresses for an update in place). The semantics are those of `FusedUpdateKind` in
// @downhill/backend; coefficients derived from the hyperparameters (1 − b1, 1/(1 − b1^t), ...)
// come from JavaScript, computed in float64 and rounded once.

/**
 * Adam with bias correction and decoupled weight decay:
 * `m ← b1·m + (1 − b1)·g; v ← b2·v + (1 − b2)·g²; p ← p − lr·((m/c1) / (√(v/c2 + epsRoot) + eps) + wd·p)`,
 * with `ic1 = 1/c1`, `ic2 = 1/c2`.
 */
export function adamF32(
  p: usize, g: usize, m: usize, v: usize, outP: usize, outM: usize, outV: usize, n: i32,
  lr: f32, b1: f32, ob1: f32, b2: f32, ob2: f32, ic1: f32, ic2: f32, eps: f32, epsRoot: f32, wd: f32,
): void {
  const vlr = f32x4.splat(lr);
  const vb1 = f32x4.splat(b1);
  const vob1 = f32x4.splat(ob1);
  const vb2 = f32x4.splat(b2);
  const vob2 = f32x4.splat(ob2);
  const vic1 = f32x4.splat(ic1);
  const vic2 = f32x4.splat(ic2);
  const veps = f32x4.splat(eps);
  const veps2 = f32x4.splat(epsRoot);
  const vwd = f32x4.splat(wd);
  const n4 = n & ~3;
  if (wd == 0 && epsRoot == 0) {
    // the common case, two multiplications fewer: p ← p − (lr/c1)·m / (√(v/c2) + eps)
    const lrc1 = <f32>(<f64>lr * <f64>ic1);
    const vlrc1 = f32x4.splat(lrc1);
    for (let i = 0; i < n4; i += 4) {
      const o = <usize>i << 2;
      const gi = v128.load(g + o);
      const mi = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vob1, gi));
      const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(f32x4.mul(vob2, gi), gi));
      v128.store(outM + o, mi);
      v128.store(outV + o, vi);
      const den = f32x4.add(f32x4.sqrt(f32x4.mul(vi, vic2)), veps);
      v128.store(outP + o, f32x4.sub(v128.load(p + o), f32x4.div(f32x4.mul(vlrc1, mi), den)));
    }
    for (let i = n4; i < n; i++) {
      const o = <usize>i << 2;
      const gi = load<f32>(g + o);
      const mi = b1 * load<f32>(m + o) + ob1 * gi;
      const vi = b2 * load<f32>(v + o) + ob2 * gi * gi;
      store<f32>(outM + o, mi);
      store<f32>(outV + o, vi);
      store<f32>(outP + o, load<f32>(p + o) - (lrc1 * mi) / (sqrt<f32>(vi * ic2) + eps));
    }
    return;
  }
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const pi = v128.load(p + o);
    const mi = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vob1, gi));
    const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(f32x4.mul(vob2, gi), gi));
    const den = f32x4.add(f32x4.sqrt(f32x4.add(f32x4.mul(vi, vic2), veps2)), veps);
    const upd = f32x4.add(f32x4.div(f32x4.mul(mi, vic1), den), f32x4.mul(vwd, pi));
    v128.store(outM + o, mi);
    v128.store(outV + o, vi);
    v128.store(outP + o, f32x4.sub(pi, f32x4.mul(vlr, upd)));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const pi = load<f32>(p + o);
    const mi = b1 * load<f32>(m + o) + ob1 * gi;
    const vi = b2 * load<f32>(v + o) + ob2 * gi * gi;
    const den = sqrt<f32>(vi * ic2 + epsRoot) + eps;
    store<f32>(outM + o, mi);
    store<f32>(outV + o, vi);
    store<f32>(outP + o, pi - lr * ((mi * ic1) / den + wd * pi));
  }
}

/**
 * SGD with weight decay, momentum, dampening and Nesterov:
 * `g ← g + wd·p; buf ← μ·buf + (1 − τ)·g; d = nesterov ? g + μ·buf : buf; p ← p − lr·d`
 * (`d = g` and no buffer when `momentum = 0`; `buf`/`outBuf` are then unused).
 */
export function sgdF32(
  p: usize, g: usize, buf: usize, outP: usize, outBuf: usize, n: i32,
  lr: f32, momentum: f32, damp: f32, nesterov: i32, wd: f32,
): void {
  const vlr = f32x4.splat(lr);
  const vmu = f32x4.splat(momentum);
  const vdamp = f32x4.splat(damp);
  const vwd = f32x4.splat(wd);
  const n4 = n & ~3;
  if (momentum == 0) {
    for (let i = 0; i < n4; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      const gi = f32x4.add(v128.load(g + o), f32x4.mul(vwd, pi));
      v128.store(outP + o, f32x4.sub(pi, f32x4.mul(vlr, gi)));
    }
    for (let i = n4; i < n; i++) {
      const o = <usize>i << 2;
      const pi = load<f32>(p + o);
      store<f32>(outP + o, pi - lr * (load<f32>(g + o) + wd * pi));
    }
    return;
  }
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    const pi = v128.load(p + o);
    const gi = f32x4.add(v128.load(g + o), f32x4.mul(vwd, pi));
    const b = f32x4.add(f32x4.mul(vmu, v128.load(buf + o)), f32x4.mul(vdamp, gi));
    const d = nesterov ? f32x4.add(gi, f32x4.mul(vmu, b)) : b;
    v128.store(outBuf + o, b);
    v128.store(outP + o, f32x4.sub(pi, f32x4.mul(vlr, d)));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    const gi = load<f32>(g + o) + wd * pi;
    const b = momentum * load<f32>(buf + o) + damp * gi;
    const d = nesterov ? gi + momentum * b : b;
    store<f32>(outBuf + o, b);
    store<f32>(outP + o, pi - lr * d);
  }
}

/**
 * RMSProp, optionally centered, with eps outside or inside the root, and momentum:
 * `nu ← ρ·nu + (1 − ρ)·g²; mg ← ρ·mg + (1 − ρ)·g; s = nu − mg² or nu;
 * u = g/(√s + eps) or g/√(s + eps); mom ← μ·mom + u, u = mom; p ← p − lr·u`.
 * `mg`/`outMg` are read only when `centered`, `mom`/`outMom` only when `momentum ≠ 0`.
 */
export function rmspropF32(
  p: usize, g: usize, nu: usize, mg: usize, mom: usize, outP: usize, outNu: usize, outMg: usize, outMom: usize, n: i32,
  lr: f32, decay: f32, oDecay: f32, eps: f32, epsInSqrt: i32, centered: i32, momentum: f32,
): void {
  const vlr = f32x4.splat(lr);
  const vd = f32x4.splat(decay);
  const vod = f32x4.splat(oDecay);
  const veps = f32x4.splat(eps);
  const vmu = f32x4.splat(momentum);
  const useMom = momentum != 0;
  const n4 = n & ~3;
  if (!centered && !useMom && !epsInSqrt) {
    // the default variant, without the per-element branches: p ← p − lr·g / (√nu + eps)
    for (let i = 0; i < n4; i += 4) {
      const o = <usize>i << 2;
      const gi = v128.load(g + o);
      const nui = f32x4.add(f32x4.mul(vd, v128.load(nu + o)), f32x4.mul(f32x4.mul(vod, gi), gi));
      v128.store(outNu + o, nui);
      const u = f32x4.div(gi, f32x4.add(f32x4.sqrt(nui), veps));
      v128.store(outP + o, f32x4.sub(v128.load(p + o), f32x4.mul(vlr, u)));
    }
    for (let i = n4; i < n; i++) {
      const o = <usize>i << 2;
      const gi = load<f32>(g + o);
      const nui = decay * load<f32>(nu + o) + oDecay * gi * gi;
      store<f32>(outNu + o, nui);
      store<f32>(outP + o, load<f32>(p + o) - lr * (gi / (sqrt<f32>(nui) + eps)));
    }
    return;
  }
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const nui = f32x4.add(f32x4.mul(vd, v128.load(nu + o)), f32x4.mul(f32x4.mul(vod, gi), gi));
    v128.store(outNu + o, nui);
    let s = nui;
    if (centered) {
      const mgi = f32x4.add(f32x4.mul(vd, v128.load(mg + o)), f32x4.mul(vod, gi));
      v128.store(outMg + o, mgi);
      // A variance: clamp the rounded difference at 0 so that its root is never NaN.
      s = f32x4.max(f32x4.sub(nui, f32x4.mul(mgi, mgi)), f32x4.splat(0));
    }
    let u = epsInSqrt ? f32x4.div(gi, f32x4.sqrt(f32x4.add(s, veps))) : f32x4.div(gi, f32x4.add(f32x4.sqrt(s), veps));
    if (useMom) {
      u = f32x4.add(f32x4.mul(vmu, v128.load(mom + o)), u);
      v128.store(outMom + o, u);
    }
    v128.store(outP + o, f32x4.sub(v128.load(p + o), f32x4.mul(vlr, u)));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const nui = decay * load<f32>(nu + o) + oDecay * gi * gi;
    store<f32>(outNu + o, nui);
    let s = nui;
    if (centered) {
      const mgi = decay * load<f32>(mg + o) + oDecay * gi;
      store<f32>(outMg + o, mgi);
      s = max<f32>(nui - mgi * mgi, 0);
    }
    let u = epsInSqrt ? gi / sqrt<f32>(s + eps) : gi / (sqrt<f32>(s) + eps);
    if (useMom) {
      u = momentum * load<f32>(mom + o) + u;
      store<f32>(outMom + o, u);
    }
    store<f32>(outP + o, load<f32>(p + o) - lr * u);
  }
}
