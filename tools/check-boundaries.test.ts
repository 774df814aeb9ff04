import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, 'check-boundaries.mjs');

function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'boundaries-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const run = (root: string) => spawnSync(process.execPath, [script, root], { encoding: 'utf8' });

describe('the dependency-rule check', () => {
  it('passes on the repository itself', () => {
    const r = run(join(import.meta.dirname, '..'));
    expect(r.stdout).toContain('no violations');
    expect(r.status).toBe(0);
  });

  it('fails on an optimizer importing autograd, naming the file', () => {
    const root = fixture({
      'packages/optimizers/package.json': JSON.stringify({ name: '@downhill/optimizers' }),
      'packages/optimizers/src/adam.ts': "import { grad } from '@downhill/autograd';\n",
    });
    const r = run(root);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('@downhill/optimizers: src/adam.ts imports @downhill/autograd');
  });

  it('fails on a runtime dependency against the rule, and ignores tests and comments', () => {
    const root = fixture({
      'packages/backend/package.json': JSON.stringify({ name: '@downhill/backend', dependencies: { '@downhill/backend-cpu': '*' } }),
      'packages/backend/src/a.test.ts': "import { cpu } from '@downhill/backend-cpu';\n",
      'packages/backend/src/b.ts': "/** import { cpu } from '@downhill/backend-cpu'; */\nexport {};\n",
    });
    const r = run(root);
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual([
      '@downhill/backend: package.json dependencies lists @downhill/backend-cpu, which the dependency rule does not allow (allowed: none)',
      'dependency rule: 1 violation(s)',
    ]);
  });
});
