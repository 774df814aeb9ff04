// The publishable packages of the workspace (packages/*, not private), read from their manifests.
// Shared by the docs build, the packaging checks and the consumer test.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Every publishable package: `{ name, dir, manifest, entries }`, where `entries` maps each export
 * subpath (`.`, `./register`, ...) to its TypeScript source (the `source` condition), relative to
 * the package directory.
 */
export function publishablePackages() {
  const out = [];
  for (const d of readdirSync(join(root, 'packages')).sort()) {
    const file = join(root, 'packages', d, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    if (manifest.private) continue;
    const entries = {};
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      if (target && typeof target === 'object' && typeof target.source === 'string') entries[subpath] = target.source;
    }
    out.push({ name: manifest.name, dir: join(root, 'packages', d), manifest, entries });
  }
  return out;
}
