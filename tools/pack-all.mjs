#!/usr/bin/env node
// `pnpm pack:all`: builds every publishable package and packs each into one folder of tarballs,
// as `pnpm publish` would pack them (`workspace:*` ranges become versions, publishConfig applied),
// so a project outside this repository can install downhill before anything is published:
//
//   npm install /path/to/downhill/tarballs/downhill-optimizers-*.tgz /path/to/downhill/tarballs/downhill-backend-[0-9]*.tgz ...
//
// Usage: node tools/pack-all.mjs [folder] [--no-build]   (folder default: tarballs/ at the root)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packAll } from './pack.mjs';
import { publishablePackages, root } from './workspace-packages.mjs';

/**
 * Builds (unless `build` is false) and packs every publishable package into `dest`, replacing the
 * downhill tarballs already there. Resolves to `{ name, version, tarball }` per package.
 */
export async function packAllInto(dest, { build = true, log = () => {} } = {}) {
  const pkgs = publishablePackages();
  if (build) {
    log(`building ${pkgs.length} packages (turbo run build)…`);
    execFileSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=./packages/*', '--output-logs=errors-only'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  mkdirSync(dest, { recursive: true });
  for (const f of readdirSync(dest)) if (/^downhill-.*\.tgz$/.test(f)) rmSync(join(dest, f));
  const tarballs = await packAll(pkgs, dest);
  return pkgs.map((p, i) => ({ name: p.name, version: p.manifest.version, tarball: tarballs[i] }));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const folder = args.find((a) => !a.startsWith('--')) ?? 'tarballs';
  const base = process.env.INIT_CWD && isAbsolute(process.env.INIT_CWD) ? process.env.INIT_CWD : process.cwd();
  const dest = isAbsolute(folder) ? folder : resolve(args.find((a) => !a.startsWith('--')) ? base : root, folder);
  const t0 = Date.now();
  const packed = await packAllInto(dest, { build: !args.includes('--no-build'), log: (m) => console.log(m) });
  for (const p of packed) console.log(`  ${basename(p.tarball)}`);
  console.log(`packed ${packed.length} packages into ${dest} in ${((Date.now() - t0) / 1000).toFixed(1)} s; in your project:`);
  console.log(`  npm install ${dest}/downhill-optimizers-*.tgz ${dest}/downhill-backend-[0-9]*.tgz ${dest}/downhill-backend-cpu-*.tgz`);
}
