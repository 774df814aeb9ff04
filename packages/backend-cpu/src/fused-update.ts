import type { DType, FusedHyperparameters, FusedUpdateKind, Tensor } from '@downhill/backend';
import { fusedUpdateWasm } from './fused-update-wasm.js';
import { alloc, dataOf, type CpuStorage } from './storage.js';
import { activeRuntime } from './wasm/runtime.js';

/**
 * One fused optimizer update in a single pass over the elements, with the semantics documented on
 * `FusedUpdateKind` in `@downhill/backend`. Float32 runs on the WebAssembly SIMD kernels where they
 * are available (`fusedUpdateWasm`, float32 arithmetic); otherwise, and for float64, each element is
 * computed in float64 from the stored values and rounded once when stored. With `inPlace` the
 * results overwrite the storages of `param` and `state`, which are returned; otherwise new arrays
 * are returned and the inputs are untouched.
 */
export function fusedUpdateKernel<K extends FusedUpdateKind>(
  kind: K,
  param: Tensor,
  grad: Tensor,
  state: readonly Tensor[],
  hyper: FusedHyperparameters[K],
  inPlace: boolean,
): { param: CpuStorage; state: CpuStorage[] } {
  const p = dataOf(param);
  const g = dataOf(grad);
  const s = state.map(dataOf);
  const rt = param.dtype === 'float32' ? activeRuntime() : undefined;
  if (rt) {
    const r = fusedUpdateWasm(rt, kind, p as Float32Array, g as Float32Array, s as Float32Array[], hyper, inPlace);
    if (r) return r;
  }
  return fusedUpdateJs(kind, p, g, s, hyper, inPlace, param.dtype);
}

/** The JavaScript loops (float64 arithmetic, one rounding per stored value) for any float dtype. */
export function fusedUpdateJs<K extends FusedUpdateKind>(
  kind: K,
  p: CpuStorage,
  g: CpuStorage,
  s: CpuStorage[],
  hyper: FusedHyperparameters[K],
  inPlace: boolean,
  dtype: DType,
): { param: CpuStorage; state: CpuStorage[] } {
  const outP = inPlace ? p : alloc(dtype, p.length);
  const outS = inPlace ? s : s.map(() => alloc(dtype, p.length));
  switch (kind) {
    case 'sgd':
      sgd(p, g, s, outP, outS, hyper as FusedHyperparameters['sgd']);
      break;
    case 'adam':
      adam(p, g, s, outP, outS, hyper as FusedHyperparameters['adam']);
      break;
    case 'rmsprop':
      rmsprop(p, g, s, outP, outS, hyper as FusedHyperparameters['rmsprop']);
      break;
    default:
      kind satisfies never;
  }
  return { param: outP, state: outS };
}

type Arr = CpuStorage;

/** `g += wd·p; buf = μ·buf + (1 − τ)·g; d = nesterov ? g + μ·buf : buf; p −= lr·d`. */
function sgd(p: Arr, g: Arr, s: Arr[], outP: Arr, outS: Arr[], h: FusedHyperparameters['sgd']): void {
  const { lr, momentum, dampening, nesterov, weightDecay } = h;
  const n = p.length;
  if (momentum === 0) {
    for (let i = 0; i < n; i++) {
      const pi = p[i];
      const gi = g[i] + weightDecay * pi;
      outP[i] = pi - lr * gi;
    }
    return;
  }
  const buf = s[0];
  const outBuf = outS[0];
  const damp = 1 - dampening;
  for (let i = 0; i < n; i++) {
    const pi = p[i];
    const gi = g[i] + weightDecay * pi;
    const b = momentum * buf[i] + damp * gi;
    const d = nesterov ? gi + momentum * b : b;
    outBuf[i] = b;
    outP[i] = pi - lr * d;
  }
}

/** Adam with bias correction and decoupled weight decay (AdamW when `weightDecay ≠ 0`). */
function adam(p: Arr, g: Arr, s: Arr[], outP: Arr, outS: Arr[], h: FusedHyperparameters['adam']): void {
  const { lr, b1, b2, eps, epsRoot, weightDecay, step } = h;
  const [m, v] = s;
  const [outM, outV] = outS;
  const c1 = 1 - Math.pow(b1, step);
  const c2 = 1 - Math.pow(b2, step);
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const pi = p[i];
    const mi = b1 * m[i] + (1 - b1) * gi;
    const vi = b2 * v[i] + (1 - b2) * gi * gi;
    const mHat = mi / c1;
    const vHat = vi / c2;
    outM[i] = mi;
    outV[i] = vi;
    outP[i] = pi - lr * (mHat / (Math.sqrt(vHat + epsRoot) + eps) + weightDecay * pi);
  }
}

/** RMSProp, optionally centered, with the epsilon outside or inside the square root, and momentum. */
function rmsprop(p: Arr, g: Arr, s: Arr[], outP: Arr, outS: Arr[], h: FusedHyperparameters['rmsprop']): void {
  const { lr, decay, eps, epsInSqrt, centered, momentum } = h;
  const nu = s[0];
  const outNu = outS[0];
  let q = 1;
  const mg = centered ? s[q] : undefined;
  const outMg = centered ? outS[q++] : undefined;
  const mom = momentum !== 0 ? s[q] : undefined;
  const outMom = momentum !== 0 ? outS[q] : undefined;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const nui = decay * nu[i] + (1 - decay) * gi * gi;
    outNu[i] = nui;
    let si = nui;
    if (mg) {
      const mgi = decay * mg[i] + (1 - decay) * gi;
      outMg![i] = mgi;
      // A variance: clamp the rounded difference at 0 so that its root is never NaN.
      si = Math.max(nui - mgi * mgi, 0);
    }
    let u = epsInSqrt ? gi / Math.sqrt(si + eps) : gi / (Math.sqrt(si) + eps);
    if (mom) {
      u = momentum * mom[i] + u;
      outMom![i] = u;
    }
    outP[i] = p[i] - lr * u;
  }
}
