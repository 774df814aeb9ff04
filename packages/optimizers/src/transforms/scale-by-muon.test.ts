// Muon's shape scalings against the sources' formulas, on host arithmetic (float64 loops, no
// backend): KellerJordan/Muon `muon.py` (momentum lerp, Nesterov, quintic Newton–Schulz with the
// norm + 1e-7, `max(1, A/B)**0.5` for PyTorch's [A, B] = [out, in]) and PyTorch 2.9's
// `torch/optim/_muon.py` `_adjust_lr` (`"original"`: √max(1, A/B); `"match_rms_adamw"`:
// 0.2·√max(A, B), Liu et al. 2025, "Muon is Scalable for LLM Training").
import { InvalidArgumentError, type Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { muon } from '../optimizers/muon.js';
import { MUON_NS_COEFFS, muonScale, scaleByMuon, type MuonLayout, type MuonScaling } from './scale-by-muon.js';

const b = cpu();
const host = (t: Tensor) => Array.from(b.readSync(t));

type Mat = number[][];
const matmul = (x: Mat, y: Mat): Mat => x.map((row) => y[0].map((_, j) => row.reduce((s, v, k) => s + v * y[k][j], 0)));
const transpose = (x: Mat): Mat => x[0].map((_, j) => x.map((row) => row[j]));
const lin = (x: Mat, a: number, y: Mat, c: number): Mat => x.map((row, i) => row.map((v, j) => a * v + c * y[i][j]));

/** `zeropower_via_newtonschulz5` of KellerJordan/Muon in float64 (the reference runs it in bfloat16). */
function refNewtonSchulz(g: Mat, steps = 5): Mat {
  const [a, bc, c] = MUON_NS_COEFFS;
  const tall = g.length > g[0].length;
  let x = tall ? transpose(g) : g;
  const n = Math.sqrt(x.flat().reduce((s, v) => s + v * v, 0)) + 1e-7;
  x = x.map((row) => row.map((v) => v / n));
  for (let i = 0; i < steps; i++) {
    const A = matmul(x, transpose(x));
    const B = lin(A, bc, matmul(A, A), c);
    x = lin(x, a, matmul(B, x), 1);
  }
  return tall ? transpose(x) : x;
}

/** PyTorch's `_adjust_lr` ratio for a weight [A, B] (its `[out, in]`), by our names. */
function refRatio(A: number, B: number, scaling: MuonScaling): number {
  if (scaling === 'jordan') return Math.sqrt(Math.max(1, A / B)); // "original"
  if (scaling === 'moonshot') return 0.2 * Math.sqrt(Math.max(A, B)); // "match_rms_adamw"
  return 1;
}

/** Three steps of the reference's momentum and orthogonalization on a matrix `[rows, cols]`; each step's update before the learning rate. */
function refUpdates(grads: Mat[], ratio: number, momentum = 0.95): Mat[] {
  let buf: Mat = grads[0].map((row) => row.map(() => 0));
  return grads.map((g) => {
    buf = lin(buf, momentum, g, 1 - momentum); // buf.lerp_(grad, 1 − β)
    const u = lin(g, 1 - momentum, buf, momentum); // grad.lerp(buf, β): Nesterov
    return refNewtonSchulz(u).map((row) => row.map((v) => v * ratio));
  });
}

const gradient = (rows: number, cols: number, t: number): Mat =>
  Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => Math.sin(1.3 * i + 0.7 * j + 0.9 * t) + 0.1 * (i - j)));

function runMuon(tx: ReturnType<typeof scaleByMuon>, grads: Mat[], shape: number[]): number[][] {
  let state = tx.init({ w: b.zeros(shape, 'float64') });
  return grads.map((g) => {
    const [u, s] = tx.update({ w: b.tensor(g.flat(), shape, 'float64') }, state);
    state = s;
    return host((u as Record<string, Tensor>).w);
  });
}

describe('scaleByMuon scaling (the sources’ formulas)', () => {
  for (const scaling of ['jordan', 'moonshot', 'none'] as const)
    for (const [A, B] of [
      [5, 3],
      [3, 5],
    ])
      it(`'${scaling}' on PyTorch's [out, in] = [${A}, ${B}] (layout 'out-in') is NS(Nesterov momentum) · ${scaling === 'jordan' ? '√max(1, A/B)' : scaling === 'moonshot' ? '0.2·√max(A, B)' : '1'}`, () => {
        const grads = [0, 1, 2].map((t) => gradient(A, B, t));
        const want = refUpdates(grads, refRatio(A, B, scaling));
        const got = runMuon(scaleByMuon({ layout: 'out-in', scaling }), grads, [A, B]);
        got.forEach((u, t) => u.forEach((v, i) => expect(v).toBeCloseTo(want[t].flat()[i], 12)));
      });

  it("'moonshot' gives a full-rank gradient's update an RMS ≈ 0.2 whatever the shape (the iteration's singular values spread around 1)", () => {
    // Pseudo-random entries in [−0.5, 0.5): a well-conditioned matrix, unlike the smooth gradient() above.
    const noise = (A: number, B: number): Mat =>
      Array.from({ length: A }, (_, i) =>
        Array.from({ length: B }, (_, j) => ((Math.abs(Math.sin(12.9898 * i + 78.233 * j + 1)) * 43758.5453) % 1) - 0.5),
      );
    for (const [A, B] of [
      [40, 8],
      [8, 40],
      [24, 24],
    ]) {
      const [u] = runMuon(scaleByMuon({ layout: 'out-in', scaling: 'moonshot' }), [noise(A, B)], [A, B]);
      const rms = Math.sqrt(u.reduce((s, v) => s + v * v, 0) / u.length);
      expect(rms).toBeGreaterThan(0.2 * 0.6);
      expect(rms).toBeLessThan(0.2 * 1.25);
    }
  });

  it("a rank-4 kernel [h, w, in, out] (layout 'in-out'): 'moonshot' scales by 0.2·√max of the orthogonalized view [h·w·in, out], 'jordan' by the last two axes", () => {
    const shape = [2, 2, 3, 4];
    const grads = [0, 1].map((t) => gradient(12, 4, t));
    const cases: [MuonScaling, number][] = [
      ['moonshot', 0.2 * Math.sqrt(12)],
      ['jordan', Math.sqrt(Math.max(1, 4 / 3))],
    ];
    for (const [scaling, ratio] of cases) {
      const want = refUpdates(grads, ratio);
      const got = runMuon(scaleByMuon({ scaling }), grads, shape);
      got.forEach((u, t) => u.forEach((v, i) => expect(v).toBeCloseTo(want[t].flat()[i], 12)));
      expect(muonScale(shape, 'in-out', scaling)).toBeCloseTo(ratio, 15);
    }
  });

  it("muon(lr, { scaling: 'moonshot' }) steps a kernel [in, out] by −lr · 0.2·√max(in, out) · NS(…), the bias by Adam", () => {
    const [fanIn, fanOut] = [6, 2];
    const g = gradient(fanIn, fanOut, 0);
    const tx = muon(1e-3, { scaling: 'moonshot' });
    const params = { k: b.zeros([fanIn, fanOut], 'float64'), bias: b.zeros([fanOut], 'float64') };
    const [u] = tx.update(
      { k: b.tensor(g.flat(), [fanIn, fanOut], 'float64'), bias: b.tensor([0.5, -2], [2], 'float64') },
      tx.init(params),
      params,
    );
    const want = refUpdates([g], 0.2 * Math.sqrt(6))[0].flat();
    host((u as Record<string, Tensor>).k).forEach((v, i) => expect(v).toBeCloseTo(-1e-3 * want[i], 14));
    // Adam's first step is −lr·sign(g) (up to ε).
    host((u as Record<string, Tensor>).bias).forEach((v, i) => expect(v).toBeCloseTo(-1e-3 * Math.sign([0.5, -2][i]), 9));
  });

  it('refuses an unknown scaling, naming the valid ones; the default is jordan', () => {
    expect(() => scaleByMuon({ scaling: 'adamw' as MuonScaling })).toThrow(InvalidArgumentError);
    expect(() => scaleByMuon({ scaling: 'adamw' as MuonScaling })).toThrow(/'jordan', 'moonshot', 'none'.*"adamw"/);
    expect(() => muon(0.02, { scaling: 'x' as MuonScaling })).toThrow(/scaling must be one of/);
    const layouts: MuonLayout[] = ['in-out', 'out-in'];
    for (const layout of layouts) expect(muonScale([3, 7], layout, 'jordan')).toBe(layout === 'in-out' ? Math.sqrt(7 / 3) : 1);
  });
});
