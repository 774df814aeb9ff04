// Packs publishable packages with `pnpm pack`, as `pnpm publish` would: `workspace:*` ranges become
// real versions and `publishConfig` fields replace their originals. Needs built dist/ folders
// (`pnpm build`).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Packs `pkg` (from publishablePackages) into `dest`; resolves to the tarball's path. */
export async function pack(pkg, dest) {
  await run('pnpm', ['pack', '--pack-destination', dest], { cwd: pkg.dir, maxBuffer: 64 << 20 });
  const tarball = join(dest, `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.manifest.version}.tgz`);
  if (!existsSync(tarball)) throw new Error(`pack: pnpm pack made no ${tarball} for ${pkg.name}`);
  return tarball;
}

/** Runs `fn` over `items`, a few at a time (the work is mostly waiting on child processes). */
export async function mapLimit(items, fn, limit = Math.max(2, Math.min(6, availableParallelism()))) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Packs every package of `pkgs` into `dest`, a few at a time; resolves to the tarball paths. */
export function packAll(pkgs, dest) {
  return mapLimit(pkgs, (pkg) => pack(pkg, dest));
}

/** The file names inside a tarball (without the leading `package/`). */
export function tarballFiles(tarball) {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
}

/** The package.json inside a tarball, parsed. */
export function tarballManifest(tarball) {
  return JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
}
