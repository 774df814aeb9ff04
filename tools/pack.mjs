// Packs publishable packages with `pnpm pack`, as `pnpm publish` would: `workspace:*` ranges become
// real versions and `publishConfig` fields replace their originals. Needs built dist/ folders
// (`pnpm build`).
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Packs `pkg` (from publishablePackages) into `dest`; returns the tarball's path. */
export function pack(pkg, dest) {
  const before = new Set(readdirSync(dest));
  execFileSync('pnpm', ['pack', '--pack-destination', dest], { cwd: pkg.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const made = readdirSync(dest).filter((f) => f.endsWith('.tgz') && !before.has(f));
  if (made.length !== 1) throw new Error(`pack: expected one new tarball for ${pkg.name} in ${dest}, found ${made.length}`);
  return join(dest, made[0]);
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
