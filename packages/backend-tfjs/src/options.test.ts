/** Unknown options are errors: one row per exported function of the package. */
import { UnknownOptionError } from '@downhill/backend';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

type Row = (() => unknown) | `no options: ${string}`;
const BAD = { notAnOption: 1 } as never;

const ROWS: Record<string, Row> = {
  tfjs: () => api.tfjs({ tfBackend: 'cpu', ...(BAD as object) }),
  createTfjsBackend: () => api.createTfjsBackend('cpu', BAD),
  tfjsKernels: () => api.tfjsKernels('cpu', BAD),
  fromTf: 'no options: (backend, tensor)',
  toTf: 'no options: (tensor)',
  fromTfTree: 'no options: (backend, tree)',
  assignToTf: 'no options: (variables, params)',
  tfFusedUpdate: 'no options: (kind, tensors, hyper)',
};

describe('unknown options are errors', () => {
  for (const [name, row] of Object.entries(ROWS)) {
    if (typeof row !== 'function') continue;
    it(`${name} rejects an unknown key`, async () => {
      await expect(async () => row()).rejects.toThrow(UnknownOptionError);
    });
  }
  it('suggests the nearest key', async () => {
    await expect(api.tfjs({ tf_backend: 'cpu' } as never)).rejects.toThrow(/'tf_backend' \(did you mean 'tfBackend'\?\)/);
  });
  it('every exported function has a row', () => {
    const fns = Object.keys(api).filter((k) => typeof (api as Record<string, unknown>)[k] === 'function');
    expect(fns.filter((k) => !(k in ROWS))).toEqual([]);
  });
});
