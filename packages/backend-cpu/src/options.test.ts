/** Unknown options are errors: one row per exported function of the package. */
import { UnknownOptionError } from '@downhill/backend';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

type Row = (() => unknown) | `no options: ${string}`;
const BAD = { notAnOption: 1 } as never;

const ROWS: Record<string, Row> = {
  cpu: () => api.cpu({ threads: 1, ...(BAD as object) }),
  CpuKernels: 'no options: (name, threads), checked by cpu()',
  erf: 'no options: (x)',
  roundHalfEven: 'no options: (x)',
  cpuThreadsReady: 'no options: (threads)',
  terminateCpuThreads: 'no options: ()',
  cpuThreadTimes: 'no options: ()',
  ThreadError: 'no options: (message, thread, kernel)',
};

describe('unknown options are errors', () => {
  for (const [name, row] of Object.entries(ROWS)) {
    if (typeof row !== 'function') continue;
    it(`${name} rejects an unknown key`, async () => {
      await expect(async () => row()).rejects.toThrow(UnknownOptionError);
    });
  }
  it('suggests the nearest key', () => {
    expect(() => api.cpu({ thread: 2 } as never)).toThrow(/'thread' \(did you mean 'threads'\?\); cpu takes threads/);
  });
  it('every exported function has a row', () => {
    const fns = Object.keys(api).filter((k) => typeof (api as Record<string, unknown>)[k] === 'function');
    expect(fns.filter((k) => !(k in ROWS))).toEqual([]);
  });
});
