import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_DIR, runCli } from './test-helpers.js';

const workspace = join(EXAMPLE_DIR, '..', '..');

// A plugin as someone outside this repository has it: a folder with its own node_modules, holding
// its own copies of @downhill/optimizers and @downhill/backend (copied from the workspace, sources
// and manifests: the program runs TypeScript sources through tsx, as `pnpm start` does), and their
// runtime dependencies from npm (linked to the installed copies, as a package manager would install them).
function pluginProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'downhill-plugin-'));
  for (const pkg of ['optimizers', 'backend']) {
    const to = join(dir, 'node_modules', '@downhill', pkg);
    mkdirSync(to, { recursive: true });
    cpSync(join(workspace, 'packages', pkg, 'src'), join(to, 'src'), { recursive: true });
    const manifest = readFileSync(join(workspace, 'packages', pkg, 'package.json'), 'utf8');
    writeFileSync(join(to, 'package.json'), manifest);
    const deps = Object.keys((JSON.parse(manifest) as { dependencies?: Record<string, string> }).dependencies ?? {});
    for (const dep of deps.filter((d) => !d.startsWith('@downhill/'))) {
      const link = join(dir, 'node_modules', dep);
      if (existsSync(link)) continue;
      mkdirSync(join(link, '..'), { recursive: true });
      symlinkSync(realpathSync(join(workspace, 'packages', pkg, 'node_modules', dep)), link, 'dir');
    }
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-training', private: true, type: 'module' }));
  // Signum (Bernstein et al. 2018), under a name the catalogue does not take (its own is 'signum'):
  // p ← p − lr · sign(m), m ← b·m + (1 − b)·g
  const plugin = `import { chain, hasOptimizer, mapTreesN, registerOptimizer, scaleByLearningRate, stateTree, zerosLike } from '@downhill/optimizers';
function scaleBySignMomentum({ b = 0.9 } = {}) {
  const where = 'scaleBySignMomentum';
  return {
    name: where,
    init: (params) => ({ mu: zerosLike(params) }),
    update(grads, state) {
      const [updates, mu] = mapTreesN(2, [grads, stateTree(state, 'mu', where)], ([g, m]) => {
        const k = g.backend;
        const m2 = k.add(k.mul(m, b), k.mul(g, 1 - b));
        return [k.unary('sign', m2), m2];
      }, { where, labels: ['gradient', "state 'mu'"] });
      return [updates, { mu }];
    },
  };
}
if (!hasOptimizer('my-signum')) registerOptimizer('my-signum', ({ lr, b }) => chain(scaleBySignMomentum({ b }), scaleByLearningRate(lr)), { description: 'Signum' });
`;
  writeFileSync(join(dir, 'register.js'), plugin);
  // the same plugin as an installed package, named by its name
  const pkg = join(dir, 'node_modules', 'downhill-plugin-signum');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({
      name: 'downhill-plugin-signum',
      version: '1.0.0',
      type: 'module',
      exports: { '.': './index.js', './register': './register.js' },
    }),
  );
  writeFileSync(join(pkg, 'index.js'), 'export const name = "signum";\n');
  writeFileSync(join(pkg, 'register.js'), plugin);
  return dir;
}

const SMALL = [
  '--backend',
  'cpu',
  '--train-size',
  '500',
  '--test-size',
  '100',
  '--epochs',
  '1',
  '--batch-size',
  '100',
  '--hidden',
  '16',
  '--quiet',
  '--lr',
  '0.001',
];

describe('plugins from outside the workspace, with their own copy of @downhill/optimizers', () => {
  it("register where the program looks: --plugin <path> and --plugin <name> from the user's directory", async () => {
    const user = pluginProject();
    const out = mkdtempSync(join(tmpdir(), 'mnist-plugin-'));
    const [byPath, byName, missing] = await Promise.all([
      runCli([...SMALL, '--plugin', join(user, 'register.js'), '--optimizer', 'my-signum', '--out', join(out, 'a')]),
      runCli([...SMALL, '--plugin', 'downhill-plugin-signum', '--optimizer', 'my-signum', '--out', join(out, 'b')], {
        env: { INIT_CWD: user },
      }),
      runCli([...SMALL, '--optimizer', 'my-signum', '--out', join(out, 'c')]),
    ]);
    for (const r of [byPath, byName]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/optimizer: my-signum, peak learning rate 1\.00e-3/);
      expect(r.stdout).toMatch(/my-signum: test accuracy \d+\.\d\d% after 1 epoch/);
    }
    // the two runs are the same run: the same plugin, found two ways
    const m = (d: string) => JSON.parse(readFileSync(join(out, d, 'metrics.json'), 'utf8')).runs[0].steps.loss;
    expect(m('b')).toEqual(m('a'));
    // and without the plugin the name is unknown
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--optimizer: unknown optimizer 'my-signum'/);
  }, 400_000);
});

describe('the example plugin of the workspace', () => {
  it('pnpm start --plugin downhill-example-plugin-qhadam --optimizer qhadam trains with QHAdam', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mnist-qhadam-'));
    const r = await runCli([...SMALL, '--plugin', 'downhill-example-plugin-qhadam', '--optimizer', 'qhadam', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/optimizer: qhadam, peak learning rate 1\.00e-3/);
    const run = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).runs[0];
    // the loss of the small run falls from its first steps to its last
    const loss: number[] = run.steps.loss;
    expect(loss.slice(-2).reduce((a, b) => a + b) / 2).toBeLessThan(loss.slice(0, 2).reduce((a, b) => a + b) / 2);
  }, 400_000);
});

describe('polyakSgd in the training loop', () => {
  it("gets the batch loss as the objective's value and trains", async () => {
    const out = mkdtempSync(join(tmpdir(), 'mnist-polyak-'));
    const r = await runCli([...SMALL.slice(0, -2), '--optimizer', 'polyakSgd', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).runs[0];
    const loss: number[] = run.steps.loss;
    expect(loss.slice(-2).reduce((a, b) => a + b) / 2).toBeLessThan(loss.slice(0, 2).reduce((a, b) => a + b) / 2);
  }, 400_000);
});
