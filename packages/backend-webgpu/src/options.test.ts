/** Unknown options are errors, before any device is looked for: one row per exported function. */
import { UnknownOptionError } from '@downhill/backend';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

type Row = (() => unknown) | `no options: ${string}`;
const BAD = { notAnOption: 1 } as never;

const ROWS: Record<string, Row> = {
  webgpu: () => api.webgpu(BAD),
  acquireDevice: () => api.acquireDevice(BAD),
  webgpuInfo: 'no options: (backend)',
  webgpuMemory: 'no options: (backend)',
  releaseWebGPU: 'no options: ()',
  defaultDawnRoutes: 'no options: (platform, vulkan)',
  describeRoute: 'no options: (route)',
  optionsFromEnv: 'no options: (env), reads DOWNHILL_* variables',
  fusedVariant: 'no options: (kind, hyper)',
  softwareAdapter: 'no options: (adapter)',
};

describe('unknown options are errors', () => {
  for (const [name, row] of Object.entries(ROWS)) {
    if (typeof row !== 'function') continue;
    it(`${name} rejects an unknown key`, async () => {
      await expect(async () => row()).rejects.toThrow(UnknownOptionError);
    });
  }
  it('suggests the nearest key', async () => {
    await expect(api.webgpu({ power_preference: 'low-power' } as never)).rejects.toThrow(
      /'power_preference' \(did you mean 'powerPreference'\?\)/,
    );
  });
  it('every exported function has a row', () => {
    const fns = Object.keys(api).filter((k) => typeof (api as Record<string, unknown>)[k] === 'function');
    expect(fns.filter((k) => !(k in ROWS))).toEqual([]);
  });
});
