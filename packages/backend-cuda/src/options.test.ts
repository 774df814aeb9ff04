/** Unknown options are errors, before tfjs-node-gpu is loaded: one row per exported function. */
import { UnknownOptionError } from '@downhill/backend';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

type Row = (() => unknown) | `no options: ${string}`;

const ROWS: Record<string, Row> = {
  cuda: () => api.cuda({ notAnOption: 1 } as never),
  loadTfjsNodeGpu: 'no options: (load)',
};

describe('unknown options are errors', () => {
  it('cuda rejects an unknown key and suggests the nearest', async () => {
    await expect(async () => (ROWS.cuda as () => unknown)()).rejects.toThrow(UnknownOptionError);
    await expect(api.cuda({ require_gpu: false } as never)).rejects.toThrow(/'require_gpu' \(did you mean 'requireGpu'\?\)/);
  });
  it('every exported function has a row', () => {
    const fns = Object.keys(api).filter((k) => typeof (api as Record<string, unknown>)[k] === 'function');
    expect(fns.filter((k) => !(k in ROWS))).toEqual([]);
  });
});
