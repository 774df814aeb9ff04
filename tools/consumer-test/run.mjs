#!/usr/bin/env node
// The consumer test: downhill as npm users get it. Packs the packages (`pnpm pack`, which rewrites
// `workspace:*` and applies publishConfig), installs the tarballs with npm into scratch projects in
// a temporary folder outside the workspace, and runs the examples of the top-level README there
// with plain Node. Third-party dependencies (pure-rand, TensorFlow.js) come from the npm registry;
// every @downhill package comes from its tarball, and a module resolution hook fails any import
// that resolves outside the scratch project.
//
// The README's examples are taken from the README itself: each code block after a line
// `<!-- consumer-test: <project>/<file> -->` is written to that file of the scratch projects.
//
//   alone/   @downhill/optimizers, @downhill/backend-cpu and @downhill/backend (their dependency),
//            nothing else: README example 1 (optimizers in your own loop); then two plugin
//            packages installed from tarballs (the README's Signum, and examples/plugin-qhadam
//            compiled to JavaScript) and selected by name: README example 3
//   plugins/downhill-plugin-signum/   the README's plugin package runs its own conformance test
//            (the README's, with vitest from the registry) against the packed optimizers
//   full/    every package but webgpu and cuda: README example 2 (swapping backends, also with
//            DOWNHILL_BACKEND) and the "train a model" example
//
// Usage: node tools/consumer-test/run.mjs [--keep]   (needs `pnpm build` first; --keep leaves the
// scratch folder for a look)
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { tarballFiles } from '../pack.mjs';
import { packAllInto } from '../pack-all.mjs';
import { publishablePackages, root } from '../workspace-packages.mjs';

const run = promisify(execFile);
const keep = process.argv.includes('--keep');
const started = Date.now();
const here = dirname(new URL(import.meta.url).pathname);
const log = (msg) => console.log(`[consumer ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${msg}`);

// What each README example must print: a program that exits 0 but prints the wrong thing fails.
const EXPECT = {
  'alone/optimizers-alone.mjs': [/^w ≈ 3\.0\d\d, b ≈ -1\.0\d\d$/m],
  'alone/use-plugin.mjs': [/signum/, /→ w = (-?0\.0\d, ){2}-?0\.0\d$/m],
  'alone/qhadam.mjs': [/qhadam by name: w = \[-?0\.0\d*, -?0\.0\d*, -?0\.0\d*\]/, /same as qhadam\(\): true/],
  // The highest-priority backend installed here (tfjs-wasm, unless backend-cpu outranks it), then cpu.
  'full/backends.mjs': [
    /^selected (tfjs-wasm|cpu): \1 \(.*\): the highest-priority backend that started here/m,
    /^(tfjs-wasm|cpu): \[3,7\]\n(.*\n)?cpu: \[3,7\]$/m,
  ],
  'full/backends.mjs DOWNHILL_BACKEND=cpu': [/^selected cpu: cpu: named by DOWNHILL_BACKEND$/m, /^cpu: \[3,7\]$/m],
  'full/train.mjs': [/^epoch 0: loss 1\.\d+$/m, /^epoch 199: loss 0\.[0-2]\d+$/m, /^accuracy (0\.(8[5-9]|9\d)\d|1\.000)$/m],
};

// The README's examples.
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const snippets = new Map();
for (const m of readme.matchAll(/<!-- consumer-test: (\S+) -->\s*\n```[a-z]*\n([\s\S]*?)\n```/g)) snippets.set(m[1], `${m[2]}\n`);
for (const file of [
  'alone/optimizers-alone.mjs',
  'alone/use-plugin.mjs',
  'plugin/index.js',
  'plugin/register.js',
  'plugin/signum.test.js',
  'full/backends.mjs',
  'full/train.mjs',
]) {
  if (!snippets.has(file)) throw new Error(`consumer test: README.md has no code block marked <!-- consumer-test: ${file} -->`);
}

// The README's install commands for today (before the first release), each in a block marked
// `<!-- consumer-test: install <project> -->`: run as they are, with T set to the tarball folder.
const installCommands = new Map();
for (const m of readme.matchAll(/<!-- consumer-test: install (\S+) -->\s*\n```sh\n([\s\S]*?)\n```/g)) {
  installCommands.set(
    m[1],
    m[2]
      .split('\n')
      .filter((l) => !/^\s*(#|T=)/.test(l))
      .map((l) => l.replace(/\s+#.*$/, ''))
      .join(' && '),
  );
}
for (const which of ['alone', 'full'])
  if (!installCommands.has(which))
    throw new Error(`consumer test: README.md has no install command marked <!-- consumer-test: install ${which} -->`);

// A scratch folder outside the workspace.
const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'downhill-consumer-')));
if (!relative(root, scratch).startsWith('..'))
  throw new Error(`consumer test: the scratch folder ${scratch} is inside the workspace ${root}`);
const env = { ...process.env, DOWNHILL_CONSUMER_SCRATCH: scratch, DOWNHILL_CONSUMER_WORKSPACE: root };
for (const k of ['NODE_PATH', 'NODE_OPTIONS', 'DOWNHILL_BACKEND', 'npm_config_prefix']) delete env[k];
const npmEnv = {
  ...env,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_loglevel: 'error',
};
let failed = 0;

try {
  // 1. Every publishable package into one folder, as `pnpm pack:all` makes it (the build is done).
  const tarballs = join(scratch, 'tarballs');
  const packed = await packAllInto(tarballs, { build: false });
  const tarballOf = Object.fromEntries(packed.map((p) => [p.name, p.tarball]));
  const pkgs = publishablePackages();
  check(
    packed.length === pkgs.length && packed.every((p) => tarballFiles(p.tarball).some((f) => f.startsWith('dist/'))),
    `pack:all: ${packed.length} tarballs in one folder, each with its dist/`,
  );
  log(`packed ${packed.length} packages into ${tarballs}`);
  const pluginTarballDir = join(scratch, 'plugin-tarballs');
  mkdirSync(pluginTarballDir);

  // The resolution guard, copied into the scratch folder so that nothing is loaded from the workspace.
  for (const f of ['guard.mjs', 'guard-hooks.mjs']) copyFileSync(join(here, f), join(scratch, f));

  // 2. alone/: optimizers, backend-cpu and (as their dependency) backend.
  const alone = project('alone');
  await readmeInstall(alone, 'alone');
  const installed = readdirSync(join(alone, 'node_modules/@downhill')).sort();
  check(
    JSON.stringify(installed) === JSON.stringify(['backend', 'backend-cpu', 'optimizers']),
    `alone/ has exactly @downhill/backend, backend-cpu and optimizers installed (found ${installed.join(', ')})`,
  );
  checkLock(alone);
  await runExample('alone/optimizers-alone.mjs');

  // 3. Two plugins, each a package of its own, installed from tarballs into alone/.
  const optimizersVersion = pkgs.find((p) => p.name === '@downhill/optimizers').manifest.version;
  const signum = pluginPackage('downhill-plugin-signum', 'Signum, from the top-level README', optimizersVersion, {
    'index.js': snippets.get('plugin/index.js'),
    'register.js': snippets.get('plugin/register.js'),
    'signum.test.js': snippets.get('plugin/signum.test.js'),
  });
  const qhadam = guidePluginPackage('downhill-plugin-qhadam', compileQhadam());
  const pluginTarballs = [];
  for (const dir of [signum, qhadam]) {
    const { stdout } = await run('npm', ['pack', '--pack-destination', pluginTarballDir], { cwd: dir, env: npmEnv });
    pluginTarballs.push(join(pluginTarballDir, stdout.trim().split('\n').pop()));
  }
  await npmInstall(alone, pluginTarballs);
  checkLock(alone);
  await runExample('alone/use-plugin.mjs');
  writeFileSync(
    join(alone, 'qhadam.mjs'),
    `import { cpu } from '@downhill/backend-cpu';
import { Optimizer, createOptimizer, listOptimizers, step } from '@downhill/optimizers';
import { qhadam } from 'downhill-plugin-qhadam';
import 'downhill-plugin-qhadam/register';

const b = cpu();
let params = { w: b.tensor([3, -2, 1]) };
const opt = new Optimizer({ name: 'qhadam', lr: 0.1 }, params);
for (let t = 0; t < 300; t++) {
  const grads = { w: b.mul(params.w, b.tensor([1, 10, 100])) };
  params = opt.step(params, grads);
  b.dispose(grads);
}
console.log('registered:', listOptimizers().map((o) => o.name).join(', '));
console.log('qhadam by name: w = [' + [...b.readSync(params.w)].map((v) => v.toFixed(4)).join(', ') + ']');
const p = { w: b.tensor([1, 2, -3]) }, g = { w: b.tensor([0.5, -1, 2]) };
const byName = createOptimizer('qhadam', { lr: 0.05, nu1: 0.5 }), direct = qhadam(0.05, { nu1: 0.5 });
const a = step(byName, p, g, byName.init(p)).params.w, c = step(direct, p, g, direct.init(p)).params.w;
console.log('same as qhadam(): ' + (String(b.readSync(a)) === String(b.readSync(c))));
`,
  );
  await runExample('alone/qhadam.mjs');

  // 4. The plugin's own conformance test, as its author runs it: vitest and the kit of the packed
  // @downhill/optimizers (its peer), with @downhill/backend-cpu to run on.
  const vitestRange = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies.vitest;
  await npmInstall(signum, [
    `vitest@${vitestRange}`,
    ...['@downhill/optimizers', '@downhill/backend', '@downhill/backend-cpu'].map((n) => tarballOf[n]),
  ]);
  checkLock(signum);
  {
    const t0 = Date.now();
    try {
      const r = await run(process.execPath, [join(signum, 'node_modules/vitest/vitest.mjs'), 'run'], {
        cwd: signum,
        env: { ...env, NODE_OPTIONS: `--import ${join(scratch, 'guard.mjs')}`, CI: 'true', NO_COLOR: '1' },
        maxBuffer: 64 << 20,
      });
      const out = r.stdout + r.stderr;
      const passed = /Tests\s+(\d+) passed/.exec(out);
      check(
        Boolean(passed) && Number(passed[1]) >= 9,
        `plugins/downhill-plugin-signum: vitest run, the README's conformance test: ${passed ? `${passed[1]} passed` : out} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      );
    } catch (e) {
      check(false, `plugins/downhill-plugin-signum: vitest run failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
    }
  }

  // 5. full/: the backends and the model.
  const full = project('full');
  await readmeInstall(full, 'full');
  checkLock(full);
  await runExample('full/backends.mjs');
  await runExample('full/backends.mjs', { DOWNHILL_BACKEND: 'cpu' });
  await runExample('full/train.mjs');
} finally {
  if (keep) log(`scratch folder kept: ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}

const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (failed) {
  console.error(`consumer test: ${failed} check(s) failed (${seconds} s)`);
  process.exit(1);
}
console.log(
  `consumer test: the README's examples ran from packed tarballs in ${scratch}, nothing resolved from the workspace (${seconds} s)`,
);

// --- helpers ---------------------------------------------------------------------------------

function check(ok, what) {
  if (ok) log(`ok: ${what}`);
  else {
    failed++;
    console.error(`✗ ${what}`);
  }
}

/** A scratch project with the README's files for it. */
function project(name) {
  const dir = join(scratch, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }, null, 2)}\n`);
  for (const [file, code] of snippets) if (file.startsWith(`${name}/`)) writeFileSync(join(scratch, file), code);
  return dir;
}

/**
 * Runs the README's install command for `which` (`alone`, `full`), as a user pastes it: in `dir`,
 * with `T` set to the folder `pnpm pack:all` filled (the README's `T=...` line is the user's to adapt).
 */
async function readmeInstall(dir, which) {
  const command = installCommands.get(which);
  const t0 = Date.now();
  try {
    await run('sh', ['-c', command], { cwd: dir, env: { ...npmEnv, T: join(scratch, 'tarballs') }, maxBuffer: 64 << 20 });
  } catch (e) {
    check(false, `README's install command for ${which}/ (${command}) failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
    throw e;
  }
  log(`${relative(scratch, dir)}/: the README's \`${command}\` (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

async function npmInstall(dir, specs) {
  const t0 = Date.now();
  await run('npm', ['install', '--no-audit', '--no-fund', ...specs], { cwd: dir, env: npmEnv, maxBuffer: 64 << 20 });
  log(
    `npm install in ${relative(scratch, dir)}/: ${specs.map((s) => (s.startsWith('/') ? relative(scratch, s) : s)).join(', ')} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
}

/** Every @downhill package and plugin in the lockfile comes from a tarball in the scratch folder, none is a link. */
function checkLock(dir) {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
  const ours = Object.entries(lock.packages).filter(([path]) => /node_modules\/(@downhill\/|downhill-plugin-)/.test(path));
  const bad = ours.filter(
    ([, info]) =>
      info.link ||
      !String(info.resolved).startsWith('file:') ||
      !realpathSync(join(dir, String(info.resolved).slice(5))).startsWith(scratch + sep),
  );
  check(
    ours.length > 0 && bad.length === 0,
    `${relative(scratch, dir)}/package-lock.json: ${ours.length} downhill packages, each installed from a tarball in the scratch folder${bad.length ? ` (not: ${bad.map(([p, i]) => `${p} ← ${i.resolved ?? 'link'}`).join(', ')})` : ''}`,
  );
}

/** Runs a README example with plain Node behind the resolution guard and checks what it prints. */
async function runExample(file, extraEnv = {}) {
  const label = Object.keys(extraEnv).length
    ? `${file} ${Object.entries(extraEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`
    : file;
  const t0 = Date.now();
  let out;
  try {
    const r = await run(process.execPath, ['--import', join(scratch, 'guard.mjs'), join(scratch, file)], {
      cwd: dirname(join(scratch, file)),
      env: { ...env, ...extraEnv },
      maxBuffer: 64 << 20,
    });
    out = r.stdout + r.stderr;
  } catch (e) {
    check(false, `${label} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
    return;
  }
  const missing = (EXPECT[label] ?? []).filter((re) => !re.test(out));
  check(
    missing.length === 0,
    `node ${label} (${((Date.now() - t0) / 1000).toFixed(1)} s)${missing.length ? ` printed:\n${out}\nbut not ${missing.join(', ')}` : ''}`,
  );
  for (const line of out.trim().split('\n')) console.log(`      │ ${line}`);
}

/** A plugin package folder: package.json (the optimizers as a peer) and its files. */
function pluginPackage(name, description, optimizersVersion, files) {
  const dir = join(scratch, 'plugins', name);
  mkdirSync(dir, { recursive: true });
  const manifest = {
    name,
    version: '1.0.0',
    description,
    type: 'module',
    sideEffects: ['./register.js'],
    exports: { '.': './index.js', './register': './register.js' },
    files: Object.keys(files).filter((f) => !f.endsWith('.test.js')),
    peerDependencies: { '@downhill/optimizers': `^${optimizersVersion}` },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const [file, code] of Object.entries(files)) writeFileSync(join(dir, file), code);
  return dir;
}

/**
 * A plugin package whose package.json is the plugin guide's sample (docs/plugins.md, "Publish it")
 * with its name: so the guide's version ranges must install against the packed packages. Its
 * files go where the sample's exports say (`dist/`).
 */
function guidePluginPackage(name, files) {
  const guide = readFileSync(join(root, 'docs/plugins.md'), 'utf8');
  const m = /<!-- consumer-test: plugin-guide\/package.json -->\s*\n```json\n([\s\S]*?)\n```/.exec(guide);
  if (!m) throw new Error('consumer test: docs/plugins.md has no code block marked <!-- consumer-test: plugin-guide/package.json -->');
  const manifest = { ...JSON.parse(m[1]), name, version: '1.0.0' };
  const dir = join(scratch, 'plugins', name);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const [file, code] of Object.entries(files)) writeFileSync(join(dir, 'dist', file), code);
  return dir;
}

/** examples/plugin-qhadam's sources (not its tests or demo), TypeScript compiled to JavaScript. */
function compileQhadam() {
  const src = join(root, 'examples/plugin-qhadam/src');
  const out = {};
  for (const file of ['index.ts', 'qhadam.ts', 'scale-by-qhadam.ts', 'register.ts']) {
    const { outputText } = ts.transpileModule(readFileSync(join(src, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      fileName: file,
    });
    out[file.replace(/\.ts$/, '.js')] = outputText;
  }
  return out;
}
