/**
 * The float32 fused updates on the WebAssembly SIMD kernels against the JavaScript loops, which
 * compute each element in float64 and round once (the reference). Lengths with a tail that is not
 * a multiple of four, both memory variants, in place and into new arrays.
 */
import { describe, expect, it } from 'vitest';
import { fusedStateCount, type FusedHyperparameters, type FusedUpdateKind } from '@downhill/backend';
import { fusedUpdateWasm } from './fused-update-wasm.js';
import { fusedUpdateJs } from './fused-update.js';
import { alloc } from './storage.js';
import { expectClose, randomData } from './test-helpers.js';
import { createRuntime, getRuntime, type WasmRuntime } from './wasm/runtime.js';

type H = FusedHyperparameters;
const CASES: { name: string; kind: FusedUpdateKind; hyper: (step: number) => H[FusedUpdateKind] }[] = [
  { name: 'sgd', kind: 'sgd', hyper: () => ({ lr: 0.1, momentum: 0, dampening: 0, nesterov: 0, weightDecay: 0 }) },
  { name: 'sgd weight decay', kind: 'sgd', hyper: () => ({ lr: 0.1, momentum: 0, dampening: 0, nesterov: 0, weightDecay: 0.01 }) },
  { name: 'sgd momentum, dampening', kind: 'sgd', hyper: () => ({ lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: 0, weightDecay: 0.01 }) },
  { name: 'sgd nesterov', kind: 'sgd', hyper: () => ({ lr: 0.1, momentum: 0.9, dampening: 0, nesterov: 1, weightDecay: 0 }) },
  { name: 'adam', kind: 'adam', hyper: (step) => ({ lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-8, epsRoot: 0, weightDecay: 0, step }) },
  { name: 'adamw, epsRoot', kind: 'adam', hyper: (step) => ({ lr: 0.01, b1: 0.8, b2: 0.99, eps: 1e-6, epsRoot: 1e-6, weightDecay: 0.05, step }) },
  { name: 'rmsprop', kind: 'rmsprop', hyper: () => ({ lr: 0.01, decay: 0.9, eps: 1e-8, epsInSqrt: 0, centered: 0, momentum: 0 }) },
  { name: 'rmsprop eps in sqrt', kind: 'rmsprop', hyper: () => ({ lr: 0.01, decay: 0.9, eps: 1e-6, epsInSqrt: 1, centered: 0, momentum: 0 }) },
  { name: 'rmsprop centered, momentum', kind: 'rmsprop', hyper: () => ({ lr: 0.01, decay: 0.95, eps: 1e-6, epsInSqrt: 1, centered: 1, momentum: 0.5 }) },
  { name: 'rmsprop momentum', kind: 'rmsprop', hyper: () => ({ lr: 0.01, decay: 0.9, eps: 1e-8, epsInSqrt: 0, centered: 0, momentum: 0.9 }) },
];

/** A float32 array in the heap (where the shared runtime is) holding `data`. */
function f32(data: ArrayLike<number>): Float32Array {
  const a = alloc('float32', data.length) as Float32Array;
  a.set(data);
  return a;
}

describe('fused updates on the WebAssembly kernels', () => {
  it('run in the shared heap here', () => {
    const rt = getRuntime()!;
    expect(rt.shared).toBe(true);
    expect(rt.ptrOf(f32(new Array(4099).fill(0)))).toBeGreaterThan(0);
  });

  for (const variant of ['shared', 'private'] as const) {
    for (const c of CASES) {
      for (const inPlace of [true, false]) {
        it(`${variant} memory: ${c.name}, ${inPlace ? 'in place' : 'into new arrays'}, 4099 elements, three steps, within float32 roundings of the float64 loop`, () => {
          const rt: WasmRuntime = variant === 'shared' ? getRuntime()! : createRuntime('private');
          const n = 4099; // past the heap threshold (4096), with a tail of 3
          const count = fusedStateCount(c.kind, c.hyper(1));
          let p: Float32Array = f32(randomData(n, 1));
          let s: Float32Array[] = Array.from({ length: count }, (_, i) => f32(randomData(n, 40 + i).map((x) => Math.abs(x) * 0.1 + (i === 0 ? 0.5 : 0))));
          let q: Float64Array = Float64Array.from(p);
          let sq: Float64Array[] = s.map((a) => Float64Array.from(a));
          for (let step = 1; step <= 3; step++) {
            const g = f32(randomData(n, 10 + step));
            const before = [Array.from(p), ...s.map((a) => Array.from(a))];
            const r = fusedUpdateWasm(rt, c.kind, p, g, s, c.hyper(step), inPlace)!;
            expect(r).toBeDefined();
            if (inPlace) {
              expect(r.param).toBe(p);
              r.state.forEach((a, i) => expect(a).toBe(s[i]));
            } else {
              expect([Array.from(p), ...s.map((a) => Array.from(a))]).toEqual(before);
            }
            const want = fusedUpdateJs(c.kind, q, Float64Array.from(g), sq, c.hyper(step), true, 'float64');
            // a few float32 roundings of each term: relative to the element, or to the array's scale
            // where terms cancel (a momentum buffer summing updates of both signs)
            const close = (a: ArrayLike<number>, e: ArrayLike<number>) => expectClose(a, e, 2e-6, 2e-6 * Math.max(...Array.from(e, (v) => (Number.isFinite(v) ? Math.abs(v) : 0))));
            close(r.param, want.param);
            r.state.forEach((a, i) => close(a, want.state[i]));
            p = r.param as Float32Array;
            s = r.state as Float32Array[];
            q = want.param as Float64Array;
            sq = want.state as Float64Array[];
          }
          // it moved, and not by a rounding
          expect(Math.max(...Array.from(p, (v, i) => Math.abs(v - randomData(n, 1)[i])))).toBeGreaterThan(1e-3);
        });
      }
    }
  }

  it('declines arrays outside the heap in shared mode (the JavaScript loop takes them)', () => {
    const rt = getRuntime()!;
    const small = () => new Float32Array(8);
    expect(fusedUpdateWasm(rt, 'sgd', small(), small(), [], { lr: 1, momentum: 0, dampening: 0, nesterov: 0, weightDecay: 0 }, true)).toBeUndefined();
  });

  it('sgd with lr = −1 adds exactly (the in-place composed path of optimizers relies on it)', () => {
    const rt = getRuntime()!;
    const p = f32(randomData(4101, 3));
    const u = f32(randomData(4101, 4));
    const want = Array.from(p, (v, i) => Math.fround(v + u[i]));
    expect(fusedUpdateWasm(rt, 'sgd', p, u, [], { lr: -1, momentum: 0, dampening: 0, nesterov: 0, weightDecay: 0 }, true)).toBeDefined();
    expect(Array.from(p)).toEqual(want);
  });
});
