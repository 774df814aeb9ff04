// The key: determinism, independence of derived keys, the host samplers, and the portable log.
import { InvalidArgumentError } from '@downhill/backend';
import { describe, expect, it } from 'vitest';
import { Rng, rng } from './index.js';
import { portableLog } from './portable-math.js';

const hex = (k: Rng): string => k.toString();

describe('Rng', () => {
  it('is deterministic: the same seed and path give the same key and the same numbers', () => {
    expect(hex(rng(7))).toBe(hex(rng(7)));
    expect(hex(rng(7).split(3)[2])).toBe(hex(rng(7).split(3)[2]));
    expect(hex(rng(7).fold('dense1.kernel'))).toBe(hex(rng(7).fold('dense1.kernel')));
    expect(rng(7).normal(5)).toEqual(rng(7).normal(5));
    const k = rng(3);
    expect(k.uniform(4)).toEqual(k.uniform(4)); // a key never advances
  });

  it('pins the first values of seed 0, so a change of the stream cannot pass unnoticed', () => {
    // If these change, every seeded model in the world changes: only on purpose, with a changeset.
    expect(rng(0).state).toEqual([0x8d97481d, 0x332c4362, 0xe2b526cc, 0xe6efee6f]);
    expect(Array.from(rng(0).normal(4))).toEqual([-0.293588529954727, -0.6240250039216193, 0.6318923465016848, 0.3686913690392374]);
  });

  it('derives distinct keys along every path (no collisions among 2,000 related keys)', () => {
    const seen = new Set<string>();
    const add = (k: Rng): void => {
      expect(seen.has(hex(k)), `${hex(k)} repeated`).toBe(false);
      seen.add(hex(k));
    };
    for (let s = 0; s < 200; s++) add(rng(s));
    for (const s of [-1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) add(rng(s));
    const root = rng(0);
    const kids = root.split(400);
    kids.forEach(add);
    kids[0].split(400).forEach(add); // a grandchild is never a child
    for (let i = 0; i < 400; i++) add(root.fold(i));
    for (let i = 0; i < 400; i++) add(root.fold(`layer${i}`));
    add(root.fold(''));
    add(root.fold('\u0000'));
  });

  it('splits prefix-stably: split(3) begins with split(2)', () => {
    const k = rng(11);
    expect(k.split(3).slice(0, 2).map(hex)).toEqual(k.split(2).map(hex));
    expect(k.split(0)).toEqual([]);
  });

  it('keeps child streams uncorrelated (|r| < 5/√n between sibling normal draws)', () => {
    const n = 50_000;
    const [a, b] = rng(1).split(2);
    const x = a.normal(n);
    const y = b.normal(n);
    const z = rng(1).fold(0).normal(n);
    for (const [p, q] of [
      [x, y],
      [x, z],
      [y, z],
    ] as const) {
      let sxy = 0;
      for (let i = 0; i < n; i++) sxy += p[i] * q[i];
      expect(Math.abs(sxy / n)).toBeLessThan(5 / Math.sqrt(n));
    }
  });

  it('round-trips its state', () => {
    const k = rng(5).fold('x');
    expect(hex(Rng.fromState(k.state))).toBe(hex(k));
    expect(Rng.fromState(k.state).normal(3)).toEqual(k.normal(3));
  });

  it('draws uniforms in [min, max) with the right mean', () => {
    const u = rng(2).uniform(100_000, { min: -1, max: 3 });
    let s = 0;
    for (const v of u) {
      expect(v >= -1 && v < 3).toBe(true);
      s += v;
    }
    // mean 1, sd of the mean (4/√12)/√n; 5 standard errors.
    expect(Math.abs(s / u.length - 1)).toBeLessThan((5 * 4) / Math.sqrt(12 * u.length));
  });

  it('refuses bad seeds, counts, fold data and states with InvalidArgumentError', () => {
    const cases: [() => unknown, string][] = [
      [() => rng(1.5), 'rng: seed must be a safe integer, got 1.5'],
      [() => rng(2 ** 60), 'rng: seed must be a safe integer'],
      [() => rng(0).split(-1), 'Rng.split: n must be a non-negative integer, got -1'],
      [() => rng(0).fold(0.5), 'Rng.fold: data must be a safe integer or a string, got 0.5'],
      [() => rng(0).normal(-3), 'Rng.normal: count must be a non-negative integer, got -3'],
      [() => Rng.fromState([1, 2, 3]), 'Rng.fromState: state must be four integers in [0, 2^32)'],
    ];
    for (const [f, text] of cases) {
      expect(f).toThrow(InvalidArgumentError);
      expect(f).toThrow(text);
    }
  });
});

describe('portableLog', () => {
  it('agrees with Math.log to within 2 ulp from subnormals to 1e300', () => {
    // 20,000 arguments spread over every binade (x = m · 2^e, m in [1, 2), e in [-1074, 996]), plus
    // the neighbourhood of 1 where the result is smallest.
    const u = rng(123).uniform(40_000);
    const xs: number[] = [];
    for (let i = 0; i < 20_000; i++) xs.push((1 + u[2 * i]) * 2 ** Math.floor(-1074 + u[2 * i + 1] * 2070));
    for (let i = 1; i <= 200; i++) xs.push(1 + i * 1e-10, 1 - i * 1e-10, 1 + i * 1e-3, 1 - i * 1e-3);
    for (const x of xs) {
      const want = Math.log(x);
      const got = portableLog(x);
      expect(Math.abs(got - want), `log(${x})`).toBeLessThanOrEqual(2 * Math.abs(want) * Number.EPSILON);
    }
    expect(portableLog(1)).toBe(0);
    expect(portableLog(2)).toBe(Math.LN2);
    expect(Math.abs(portableLog(5e-324) - Math.log(5e-324))).toBeLessThan(1e-12);
  });
});
