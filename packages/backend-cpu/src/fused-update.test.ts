import { describe, expect, it } from 'vitest';
import { fusedStateCount, type Backend, type DType, type FusedHyperparameters, type FusedUpdateKind, type Tensor } from '@downhill/backend';
import { cpu } from './index.js';
import { expectClose, randomData } from './test-helpers.js';

/** The documented update, composed from the backend's own primitives (each op rounds to the dtype). */
function composed<K extends FusedUpdateKind>(b: Backend, kind: K, p: Tensor, g: Tensor, state: Tensor[], hyper: FusedHyperparameters[K]): { param: Tensor; state: Tensor[] } {
  return b.scope(() => {
    switch (kind) {
      case 'sgd': {
        const h = hyper as FusedHyperparameters['sgd'];
        const gd = b.add(g, b.mul(p, h.weightDecay));
        if (h.momentum === 0) return { param: b.sub(p, b.mul(gd, h.lr)), state: [] };
        const buf = b.add(b.mul(state[0], h.momentum), b.mul(gd, 1 - h.dampening));
        const d = h.nesterov ? b.add(gd, b.mul(buf, h.momentum)) : buf;
        return { param: b.sub(p, b.mul(d, h.lr)), state: [buf] };
      }
      case 'adam': {
        const h = hyper as FusedHyperparameters['adam'];
        const m = b.add(b.mul(state[0], h.b1), b.mul(g, 1 - h.b1));
        const v = b.add(b.mul(state[1], h.b2), b.mul(b.unary('square', g), 1 - h.b2));
        const mHat = b.div(m, 1 - h.b1 ** h.step);
        const vHat = b.div(v, 1 - h.b2 ** h.step);
        const u = b.add(b.div(mHat, b.add(b.unary('sqrt', b.add(vHat, h.epsRoot)), h.eps)), b.mul(p, h.weightDecay));
        return { param: b.sub(p, b.mul(u, h.lr)), state: [m, v] };
      }
      case 'rmsprop': {
        const h = hyper as FusedHyperparameters['rmsprop'];
        const nu = b.add(b.mul(state[0], h.decay), b.mul(b.unary('square', g), 1 - h.decay));
        const out = [nu];
        let s = nu;
        if (h.centered) {
          const mg = b.add(b.mul(state[1], h.decay), b.mul(g, 1 - h.decay));
          out.push(mg);
          s = b.sub(nu, b.unary('square', mg));
        }
        let u = h.epsInSqrt ? b.div(g, b.unary('sqrt', b.add(s, h.eps))) : b.div(g, b.add(b.unary('sqrt', s), h.eps));
        if (h.momentum !== 0) {
          u = b.add(b.mul(state[out.length], h.momentum), u);
          out.push(u);
        }
        return { param: b.sub(p, b.mul(u, h.lr)), state: out };
      }
      default:
        return kind satisfies never;
    }
  });
}

const sgd = (h: Partial<FusedHyperparameters['sgd']>): FusedHyperparameters['sgd'] => ({ lr: 0.1, momentum: 0, dampening: 0, nesterov: 0, weightDecay: 0, ...h });
const adam = (h: Partial<FusedHyperparameters['adam']>): FusedHyperparameters['adam'] => ({ lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-8, epsRoot: 0, weightDecay: 0, step: 1, ...h });
const rms = (h: Partial<FusedHyperparameters['rmsprop']>): FusedHyperparameters['rmsprop'] => ({ lr: 0.01, decay: 0.9, eps: 1e-8, epsInSqrt: 0, centered: 0, momentum: 0, ...h });

const CASES: { name: string; kind: FusedUpdateKind; hyper: (step: number) => FusedHyperparameters[FusedUpdateKind] }[] = [
  { name: 'sgd plain', kind: 'sgd', hyper: () => sgd({}) },
  { name: 'sgd weight decay', kind: 'sgd', hyper: () => sgd({ weightDecay: 0.01 }) },
  { name: 'sgd momentum, dampening', kind: 'sgd', hyper: () => sgd({ momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }) },
  { name: 'sgd nesterov', kind: 'sgd', hyper: () => sgd({ momentum: 0.9, nesterov: 1 }) },
  { name: 'adam', kind: 'adam', hyper: (step) => adam({ step }) },
  { name: 'adamw with epsRoot', kind: 'adam', hyper: (step) => adam({ step, weightDecay: 0.01, epsRoot: 1e-6 }) },
  { name: 'rmsprop', kind: 'rmsprop', hyper: () => rms({}) },
  { name: 'rmsprop eps in sqrt', kind: 'rmsprop', hyper: () => rms({ epsInSqrt: 1 }) },
  { name: 'rmsprop centered', kind: 'rmsprop', hyper: () => rms({ centered: 1 }) },
  { name: 'rmsprop momentum', kind: 'rmsprop', hyper: () => rms({ momentum: 0.9 }) },
  { name: 'rmsprop centered momentum', kind: 'rmsprop', hyper: () => rms({ centered: 1, momentum: 0.5, epsInSqrt: 1 }) },
];

describe('fusedUpdate against the same update composed from primitives', () => {
  for (const c of CASES) {
    for (const dtype of ['float64', 'float32'] as DType[]) {
      for (const inPlace of [true, false]) {
        it(`${c.name}, ${dtype}, ${inPlace ? 'in place' : 'into new tensors'}, three steps`, () => {
          const b = cpu();
          const shape = [3, 5];
          let p = b.tensor(randomData(15, 1), shape, dtype);
          let q = b.tensor(b.readSync(p), shape, dtype); // the composed path's copy
          const count = fusedStateCount(c.kind, c.hyper(1));
          let s = Array.from({ length: count }, () => b.zeros(shape, dtype));
          let sq = Array.from({ length: count }, () => b.zeros(shape, dtype));
          for (let step = 1; step <= 3; step++) {
            const g = b.tensor(randomData(15, 10 + step), shape, dtype);
            const hyper = c.hyper(step);
            const before = [b.readSync(p), ...s.map((t) => b.readSync(t))];
            const live = b.memory().tensors;
            const r = b.fusedUpdate(c.kind, { param: p, grad: g, state: s }, hyper, { inPlace });
            if (inPlace) {
              expect(r.param).toBe(p);
              r.state.forEach((t, i) => expect(t).toBe(s[i]));
              expect(b.memory().tensors).toBe(live);
            } else {
              expect(r.param).not.toBe(p);
              // the inputs are untouched
              expect([b.readSync(p), ...s.map((t) => b.readSync(t))]).toEqual(before);
              expect(b.memory().tensors).toBe(live + 1 + count);
              b.dispose([p, s]);
            }
            const want = composed(b, c.kind, q, g, sq, hyper);
            b.dispose([q, sq, g]);
            const [rtol, atol] = dtype === 'float64' ? [1e-14, 1e-15] : [2e-6, 1e-7];
            expectClose(b.readSync(r.param), b.readSync(want.param), rtol, atol);
            r.state.forEach((t, i) => expectClose(b.readSync(t), b.readSync(want.state[i]), rtol, atol));
            expect(r.param.dtype).toBe(dtype);
            p = r.param;
            s = r.state;
            q = want.param;
            sq = want.state;
          }
          // the parameter moved
          expect(Array.from(b.readSync(p))).not.toEqual(Array.from(b.readSync(b.tensor(randomData(15, 1), shape, dtype))));
        });
      }
    }
  }

  it('sgd without momentum is p − lr·g exactly (hand-computed)', () => {
    const b = cpu();
    const p = b.tensor([1, 2, 3], [3], 'float64');
    const g = b.tensor([0.5, -1, 0], [3], 'float64');
    const r = b.fusedUpdate('sgd', { param: p, grad: g, state: [] }, sgd({ lr: 0.5 }), { inPlace: true });
    expect([...b.readSync(r.param)]).toEqual([0.75, 2.5, 3]);
  });

  it('adam at step 1 moves each coordinate by about lr·sign(g) (hand-computed)', () => {
    const b = cpu();
    const p = b.tensor([1, 1, 1], [3], 'float64');
    const g = b.tensor([2, -3, 0], [3], 'float64');
    const m = b.zeros([3], 'float64');
    const v = b.zeros([3], 'float64');
    const r = b.fusedUpdate('adam', { param: p, grad: g, state: [m, v] }, adam({ lr: 0.1, eps: 0 }));
    // m̂ = g, v̂ = g², so the step is lr·g/|g|
    expectClose(b.readSync(r.param), [0.9, 1.1, NaN], 1e-15);
    expectClose(b.readSync(r.state[0]), [0.2, -0.3, 0], 1e-15);
    expectClose(b.readSync(r.state[1]), [0.004, 0.009, 0], 1e-13);
  });

  it('falls back to new tensors when a storage is shared, leaving the inputs unchanged', () => {
    const b = cpu();
    const p = b.tensor([1, 2], [2], 'float64');
    const alias = b.reshape(p, [1, 2]);
    const g = b.tensor([1, 1], [2], 'float64');
    const r = b.fusedUpdate('sgd', { param: p, grad: g, state: [] }, sgd({ lr: 1 }), { inPlace: true });
    expect(r.param).not.toBe(p);
    expect([...b.readSync(r.param)]).toEqual([0, 1]);
    expect([...b.readSync(alias)]).toEqual([1, 2]);
  });
});
