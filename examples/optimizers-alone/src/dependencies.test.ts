// @downhill/optimizers is usable alone: it must not pull in autograd, layers or losses.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const manifest = (rel: string) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8')) as Record<string, Record<string, string> | string>;

describe('dependencies', () => {
  it('@downhill/optimizers lists no autograd, layers or losses among its dependencies or peer dependencies', () => {
    const pkg = manifest('../../../packages/optimizers/package.json');
    expect(pkg.name).toBe('@downhill/optimizers');
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'] as const) {
      const deps = Object.keys((pkg[field] as Record<string, string> | undefined) ?? {});
      for (const forbidden of ['@downhill/autograd', '@downhill/layers', '@downhill/losses'])
        expect(deps, `${field} of @downhill/optimizers`).not.toContain(forbidden);
    }
    // What it does depend on: the backend interface only.
    expect(Object.keys((pkg.dependencies as Record<string, string>) ?? {}).filter((d) => d.startsWith('@downhill/'))).toEqual([
      '@downhill/backend',
    ]);
  });

  it('this example depends on the optimizers, the backend interface and the CPU backend only', () => {
    const pkg = manifest('../package.json');
    expect(Object.keys(pkg.dependencies as Record<string, string>).sort()).toEqual([
      '@downhill/backend',
      '@downhill/backend-cpu',
      '@downhill/optimizers',
    ]);
  });
});
