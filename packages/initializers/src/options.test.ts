/**
 * Unknown options are errors: one row per exported function of the package (see the optimizers'
 * options.test.ts). A new export without a row fails the last test.
 */
import { UnknownOptionError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

const b = cpu();
const BAD = { notAnOption: 1 } as never;
const BAD_SEEDED = { seed: 1, notAnOption: 1 } as never;

type Row = (() => unknown) | `no options: ${string}`;

const ROWS: Record<string, Row> = {
  Rng: 'no options: class of rng(seed); its uniform and normal rows below',
  RngUniform: () => api.rng(1).uniform(2, BAD),
  RngNormal: () => api.rng(1).normal(2, BAD),
  rng: 'no options: (seed)',
  computeFans: () => api.computeFans([2, 3], BAD),
  calculateGain: 'no options: (nonlinearity, param)',
  constant: () => api.constant(1)(b, [2], BAD),
  ones: () => api.ones()(b, [2], BAD),
  zeros: () => api.zeros()(b, [2], BAD),
  normal: () => api.normal(BAD),
  normalCall: () => api.normal()(b, [2], BAD_SEEDED),
  normalSample: () => api.normal().sample([2], BAD_SEEDED),
  truncatedNormal: () => api.truncatedNormal(BAD),
  uniform: () => api.uniform(BAD),
  glorotNormal: () => api.glorotNormal(BAD),
  glorotUniform: () => api.glorotUniform(BAD),
  heNormal: () => api.heNormal(BAD),
  heUniform: () => api.heUniform(BAD),
  lecunNormal: () => api.lecunNormal(BAD),
  lecunUniform: () => api.lecunUniform(BAD),
  varianceScaling: () => api.varianceScaling(1, BAD),
  orthogonal: () => api.orthogonal(BAD),
};

describe('unknown options are errors', () => {
  for (const [name, row] of Object.entries(ROWS)) {
    if (typeof row !== 'function') continue;
    it(`${name} rejects an unknown key with UnknownOptionError naming the valid keys`, () => {
      expect(row).toThrow(UnknownOptionError);
      expect(row).toThrow(/unknown option 'notAnOption'.* takes /);
    });
  }

  it('suggests the nearest key', () => {
    expect(() => api.heNormal({ negative_slope: 0.1 } as never)).toThrow(/'negative_slope' \(did you mean 'negativeSlope'\?\)/);
    expect(() => api.uniform({ minval: -1 } as never)).toThrow(UnknownOptionError);
  });

  it('every exported function has a row', () => {
    const fns = Object.keys(api).filter((k) => typeof (api as Record<string, unknown>)[k] === 'function');
    expect(fns.filter((k) => !(k in ROWS))).toEqual([]);
  });
});
