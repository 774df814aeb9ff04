import type { FusedHyperparameters, FusedUpdateKind } from '@downhill/backend';
import { alloc, type CpuStorage } from './storage.js';
import type { WasmExports, WasmRuntime } from './wasm/runtime.js';

/** Elements per chunk when operands are copied through the heap (private mode): a few L2-sized blocks. */
const CHUNK = 16384;

/**
 * A float32 fused update on the WebAssembly SIMD kernels, or undefined when it cannot run there
 * (the caller then runs the JavaScript loop). In shared mode the arrays live in the heap and the
 * kernel reads and writes them in place; in private mode they are streamed through the heap in
 * chunks. Arithmetic is float32 throughout (coefficients computed in float64 and rounded once), so
 * results agree with the float64 reference to a few float32 roundings.
 */
export function fusedUpdateWasm<K extends FusedUpdateKind>(
  rt: WasmRuntime,
  kind: K,
  p: Float32Array,
  g: Float32Array,
  s: Float32Array[],
  hyper: FusedHyperparameters[K],
  inPlace: boolean,
): { param: CpuStorage; state: CpuStorage[] } | undefined {
  const n = p.length;
  const inputs = [p, g, ...s];
  if (rt.shared) {
    const ptrs = inputs.map((a) => rt.ptrOf(a));
    if (ptrs.some((q) => q < 0)) return undefined; // small arrays stay in the JS heap
    const outP = inPlace ? p : (alloc('float32', n) as Float32Array);
    const outS = inPlace ? s : s.map(() => alloc('float32', n) as Float32Array);
    const outs = [outP, ...outS];
    const outPtrs = outs.map((a) => rt.ptrOf(a));
    if (outPtrs.some((q) => q < 0)) return undefined; // the heap is full: the JS loop writes into these
    run(rt.exports, kind, ptrs[0], ptrs[1], ptrs.slice(2), outPtrs[0], outPtrs.slice(1), n, hyper);
    return { param: outP, state: outS };
  }
  // private mode: copy chunks in, update them in place there, copy them out
  const outP = inPlace ? p : (alloc('float32', n) as Float32Array);
  const outS = inPlace ? s : s.map(() => alloc('float32', n) as Float32Array);
  const outs = [outP, ...outS];
  const chunk = Math.min(CHUNK, n);
  const temps = inputs.map(() => rt.tempF32(chunk));
  try {
    const views = temps.map((q) => rt.viewF32(q, chunk));
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      inputs.forEach((a, i) => views[i].set(a.subarray(start, end)));
      const sp = temps.slice(2);
      run(rt.exports, kind, temps[0], temps[1], sp, temps[0], sp, end - start, hyper);
      outs.forEach((a, i) => a.set(views[i === 0 ? 0 : i + 1].subarray(0, end - start), start));
    }
  } finally {
    for (const q of temps) rt.freeTemp(q);
  }
  return { param: outP, state: outS };
}

function run<K extends FusedUpdateKind>(
  w: WasmExports,
  kind: K,
  p: number,
  g: number,
  s: number[],
  outP: number,
  outS: number[],
  n: number,
  hyper: FusedHyperparameters[K],
): void {
  switch (kind) {
    case 'sgd': {
      const h = hyper as FusedHyperparameters['sgd'];
      const withBuf = h.momentum !== 0;
      w.sgdF32(p, g, withBuf ? s[0] : 0, outP, withBuf ? outS[0] : 0, n, h.lr, h.momentum, 1 - h.dampening, h.nesterov ? 1 : 0, h.weightDecay);
      return;
    }
    case 'adam': {
      const h = hyper as FusedHyperparameters['adam'];
      const ic1 = 1 / (1 - Math.pow(h.b1, h.step));
      const ic2 = 1 / (1 - Math.pow(h.b2, h.step));
      w.adamF32(p, g, s[0], s[1], outP, outS[0], outS[1], n, h.lr, h.b1, 1 - h.b1, h.b2, 1 - h.b2, ic1, ic2, h.eps, h.epsRoot, h.weightDecay);
      return;
    }
    case 'rmsprop': {
      const h = hyper as FusedHyperparameters['rmsprop'];
      let q = 1;
      const mg = h.centered ? q++ : -1;
      const mom = h.momentum !== 0 ? q : -1;
      w.rmspropF32(
        p, g, s[0], mg > 0 ? s[mg] : 0, mom > 0 ? s[mom] : 0,
        outP, outS[0], mg > 0 ? outS[mg] : 0, mom > 0 ? outS[mom] : 0, n,
        h.lr, h.decay, 1 - h.decay, h.eps, h.epsInSqrt ? 1 : 0, h.centered ? 1 : 0, h.momentum,
      );
      return;
    }
    default:
      kind satisfies never;
  }
}
