// The conformance reference's pow against PyTorch's torch.pow (C99 pow) on every pair of the
// special operands the suite's 'binary/pow/special values (C99 pow)' case uses. Fixture:
// __fixtures__/pow-pytorch.json, written by __fixtures__/pow-pytorch.py (PyTorch 1.13, float64).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { POW_SPECIAL_VALUES } from './cases-elementwise.js';
import { BINARY_REFERENCE } from './program-reference.js';

type Encoded = number | 'NaN' | 'Infinity' | '-Infinity';
const decode = (x: Encoded): number => (typeof x === 'number' ? x : Number(x));
const fixture = JSON.parse(readFileSync(new URL('./__fixtures__/pow-pytorch.json', import.meta.url), 'utf8')) as {
  source: string;
  values: Encoded[];
  pow: Encoded[];
};

describe('the reference pow', () => {
  it('uses the operands the PyTorch fixture was made on', () => {
    expect(fixture.values.map(decode)).toEqual(POW_SPECIAL_VALUES);
  });
  it(`equals ${fixture.source} on all ${fixture.pow.length} pairs: the special values bit for bit, the rest to an ulp`, () => {
    const V = POW_SPECIAL_VALUES;
    const bad: string[] = [];
    let exact = 0;
    for (let i = 0; i < V.length; i++)
      for (let j = 0; j < V.length; j++) {
        const want = decode(fixture.pow[i * V.length + j]);
        const got = BINARY_REFERENCE.pow(V[i], V[j]);
        // a special value (NaN, an infinity, a zero, an exact 1 or a sign) is exact in both; an
        // ordinary power like 2^2.5 may differ in its last bit (V8's Math.pow is not libm's pow)
        const special =
          !Number.isFinite(want) || want === 0 || [V[i], V[j]].some((v) => !Number.isFinite(v) || v === 0 || Math.abs(v) === 1);
        if (special) exact++;
        const ok = special ? Object.is(got, want) : Math.abs(got - want) <= 2.3e-16 * Math.abs(want);
        if (!ok) bad.push(`pow(${V[i]}, ${V[j]}) = ${got}, PyTorch ${want}`);
      }
    expect(bad).toEqual([]);
    expect(exact).toBeGreaterThan(100);
  });
});
