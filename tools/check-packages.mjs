#!/usr/bin/env node
// Packaging checks of every publishable package, on the tarball `pnpm pack` makes (what npm users
// get), after `pnpm build`:
//   - publint (strict: warnings fail too; suggestions are printed);
//   - @arethetypeswrong/cli with the esm-only profile (the packages are ESM only: `require` from
//     CommonJS and node10 resolution are out of scope, every other resolution mode must be clean);
//   - the packed manifest: no `workspace:` range left, no `source` export condition
//     (docs/packaging.md), publishConfig.exports in step with exports;
//   - the packed files: dist/ with JavaScript and declarations for every export, no test files.
// Usage: node tools/check-packages.mjs [--keep <dir>]   (--keep leaves the tarballs in <dir>)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { pack, tarballFiles, tarballManifest } from './pack.mjs';
import { publishConfigCurrent } from './publish-config.mjs';
import { publishablePackages, root } from './workspace-packages.mjs';

const keepAt = process.argv.indexOf('--keep');
const dest = keepAt > 0 ? process.argv[keepAt + 1] : mkdtempSync(join(tmpdir(), 'downhill-pack-'));
mkdirSync(dest, { recursive: true });
const started = Date.now();
let failures = 0;
const fail = (name, message) => {
  failures++;
  console.error(`✗ ${name}: ${message}`);
};

for (const pkg of publishablePackages()) {
  const t0 = Date.now();
  if (!publishConfigCurrent(pkg.manifest)) fail(pkg.name, 'publishConfig.exports differs from exports without `source`; run: node tools/publish-config.mjs --write');
  let tarball;
  try {
    tarball = pack(pkg, dest);
  } catch (e) {
    fail(pkg.name, `pnpm pack failed: ${e.stderr?.toString() || e.message}`);
    continue;
  }
  const files = tarballFiles(tarball);
  const manifest = tarballManifest(tarball);
  const notes = [];

  // The manifest as published.
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:')) fail(pkg.name, `${field}.${dep} is still '${range}' in the packed package.json`);
    }
  }
  if (JSON.stringify(manifest.exports).includes('"source"')) fail(pkg.name, 'the packed exports map still has the `source` condition');
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    for (const key of ['types', 'import']) {
      const file = target?.[key]?.replace(/^\.\//, '');
      if (!file || !files.includes(file)) fail(pkg.name, `exports['${subpath}'].${key} (${target?.[key]}) is not in the tarball`);
    }
    if (Object.keys(target)[0] !== 'types') fail(pkg.name, `exports['${subpath}']: 'types' must come first`);
  }
  const tests = files.filter((f) => /\.test\.[cm]?[jt]s$|\.test\.d\.ts$/.test(f));
  if (tests.length) fail(pkg.name, `test files in the tarball: ${tests.slice(0, 5).join(', ')}${tests.length > 5 ? ', ...' : ''}`);

  // publint, strict.
  const { messages } = await publint({ pack: { tarball: readFileSync(tarball).buffer }, strict: true, level: 'suggestion' });
  for (const m of messages) {
    const text = formatMessage(m, manifest, { color: false });
    if (m.type === 'suggestion') notes.push(`publint suggestion: ${text}`);
    else fail(pkg.name, `publint ${m.type}: ${text}`);
  }

  // attw, esm-only profile.
  try {
    execFileSync(join(root, 'node_modules/.bin/attw'), [tarball, '--profile', 'esm-only', '--format', 'table-flipped', '--no-emoji', '--no-color'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    fail(pkg.name, `attw found problems:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
  }

  console.log(`✓ ${pkg.name}@${manifest.version}: ${files.length} files, publint and attw checked (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  for (const n of notes) console.log(`    ${n}`);
}

if (keepAt < 0) rmSync(dest, { recursive: true, force: true });
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (failures) {
  console.error(`check-packages: ${failures} problem(s) (${seconds} s)`);
  process.exit(1);
}
console.log(`check-packages: every publishable package packs clean (${seconds} s)${keepAt > 0 ? `; tarballs in ${dest}` : ''}`);
