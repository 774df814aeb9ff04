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
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { mapLimit, pack, tarballFiles, tarballManifest } from './pack.mjs';
import { publishConfigCurrent } from './publish-config.mjs';
import { publishablePackages, root } from './workspace-packages.mjs';

const keepAt = process.argv.indexOf('--keep');
const dest = keepAt > 0 ? process.argv[keepAt + 1] : mkdtempSync(join(tmpdir(), 'downhill-pack-'));
mkdirSync(dest, { recursive: true });
const started = Date.now();
const run = promisify(execFile);

const report = await mapLimit(publishablePackages(), async (pkg) => {
  const t0 = Date.now();
  const problems = [];
  const notes = [];
  if (!publishConfigCurrent(pkg.manifest))
    problems.push('publishConfig.exports differs from exports without `source`; run: node tools/publish-config.mjs --write');
  let tarball;
  try {
    tarball = await pack(pkg, dest);
  } catch (e) {
    return { pkg, problems: [...problems, `pnpm pack failed: ${e.stderr?.toString() || e.message}`], notes, seconds: 0 };
  }
  const files = tarballFiles(tarball);
  const manifest = tarballManifest(tarball);

  // The manifest as published.
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:')) problems.push(`${field}.${dep} is still '${range}' in the packed package.json`);
    }
  }
  if (JSON.stringify(manifest.exports).includes('"source"')) problems.push('the packed exports map still has the `source` condition');
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    for (const key of ['types', 'import']) {
      const file = target?.[key]?.replace(/^\.\//, '');
      if (!file || !files.includes(file))
        problems.push(`exports['${subpath}'].${key} (${target?.[key]}) is not in the tarball (did \`pnpm build\` run?)`);
    }
    if (Object.keys(target)[0] !== 'types') problems.push(`exports['${subpath}']: 'types' must come first`);
  }
  const tests = files.filter((f) => /\.test\.[cm]?[jt]s$|\.test\.d\.ts$/.test(f));
  if (tests.length) problems.push(`test files in the tarball: ${tests.slice(0, 5).join(', ')}${tests.length > 5 ? ', ...' : ''}`);

  // publint, strict: warnings are problems too.
  const { messages } = await publint({ pack: { tarball: readFileSync(tarball).buffer }, strict: true, level: 'suggestion' });
  for (const m of messages) {
    const text = formatMessage(m, manifest, { color: false });
    if (m.type === 'suggestion') notes.push(`publint suggestion: ${text}`);
    else problems.push(`publint ${m.type}: ${text}`);
  }

  // attw, esm-only profile.
  try {
    await run(
      join(root, 'node_modules/.bin/attw'),
      [tarball, '--profile', 'esm-only', '--format', 'table-flipped', '--no-emoji', '--no-color'],
      { maxBuffer: 64 << 20 },
    );
  } catch (e) {
    problems.push(`attw found problems:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
  }
  return { pkg, version: manifest.version, files: files.length, problems, notes, seconds: (Date.now() - t0) / 1000 };
});

let failures = 0;
for (const { pkg, version, files, problems, notes, seconds } of report) {
  if (problems.length) {
    failures += problems.length;
    for (const p of problems) console.error(`✗ ${pkg.name}: ${p}`);
  } else {
    console.log(`✓ ${pkg.name}@${version}: ${files} files; publint (strict) and attw (esm-only) clean (${seconds.toFixed(1)} s)`);
  }
  for (const n of notes) console.log(`    ${n}`);
}

if (keepAt < 0) rmSync(dest, { recursive: true, force: true });
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (failures) {
  console.error(`check-packages: ${failures} problem(s) (${seconds} s)`);
  process.exit(1);
}
console.log(`check-packages: every publishable package packs clean (${seconds} s)${keepAt > 0 ? `; tarballs in ${dest}` : ''}`);
