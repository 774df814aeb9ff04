#!/usr/bin/env node
// Published manifests leave out the `source` export condition: in the workspace, `source` points
// tests, examples and the typechecker at the TypeScript sources (no build needed); published, it
// would send any consumer whose own tooling sets a `source` condition (a common convention) into
// our .ts files. pnpm swaps `publishConfig.exports` in for `exports` when it packs or publishes, so
// each package.json carries its exports map twice: with `source` for the workspace and without it
// for npm. This keeps the second one in step with the first (docs/packaging.md).
//
//   node tools/publish-config.mjs           lists packages whose publishConfig.exports is stale (exit 1)
//   node tools/publish-config.mjs --write   rewrites publishConfig.exports (only that key is touched)
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { publishablePackages, root } from './workspace-packages.mjs';

/** The exports map as published: every target without its `source` condition. */
export function publishedExports(exports) {
  const out = {};
  for (const [subpath, target] of Object.entries(exports ?? {})) {
    out[subpath] =
      target && typeof target === 'object'
        ? Object.fromEntries(Object.entries(target).filter(([condition]) => condition !== 'source'))
        : target;
  }
  return out;
}

/** Whether a manifest's publishConfig.exports is what {@link publishedExports} makes of its exports. */
export function publishConfigCurrent(manifest) {
  return JSON.stringify(manifest.publishConfig?.exports) === JSON.stringify(publishedExports(manifest.exports));
}

/**
 * The package.json text with `publishConfig.exports` set, everything else left byte for byte: the
 * block is inserted before `"scripts"` (or replaced where it exists), in the file's own style.
 */
export function withPublishConfig(text) {
  const manifest = JSON.parse(text);
  const publishConfig = { ...manifest.publishConfig, exports: publishedExports(manifest.exports) };
  const compact = /\n {2}"exports": \{\n {4}"\.": \{ /.test(text);
  const block = compact
    ? `{\n    "exports": {\n${Object.entries(publishConfig.exports)
        .map(
          ([k, v]) =>
            `      ${JSON.stringify(k)}: ${JSON.stringify(v).replace(/,"/g, ', "').replace(/":/g, '": ').replace(/^\{/, '{ ').replace(/\}$/, ' }')}`,
        )
        .join(',\n')}\n    }\n  }`
    : JSON.stringify(publishConfig, null, 2).replace(/\n/g, '\n  ');
  const start = text.indexOf('\n  "publishConfig":');
  if (start >= 0) {
    const open = text.indexOf('{', start);
    let depth = 0;
    let end = open;
    for (; end < text.length; end++) {
      if (text[end] === '{') depth++;
      else if (text[end] === '}' && --depth === 0) break;
    }
    return `${text.slice(0, open)}${block}${text.slice(end + 1)}`;
  }
  const at = text.indexOf('\n  "scripts":');
  if (at < 0) throw new Error('package.json has no top-level "scripts" key to insert publishConfig before');
  const out = `${text.slice(0, at)}\n  "publishConfig": ${block},${text.slice(at)}`;
  JSON.parse(out);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const write = process.argv.includes('--write');
  const stale = [];
  for (const pkg of publishablePackages()) {
    if (publishConfigCurrent(pkg.manifest)) continue;
    const file = join(pkg.dir, 'package.json');
    if (write) {
      writeFileSync(file, withPublishConfig(readFileSync(file, 'utf8')));
      console.log(`publish-config: ${relative(root, file)}: publishConfig.exports written`);
    } else stale.push(pkg.name);
  }
  if (stale.length) {
    console.error(
      `publish-config: publishConfig.exports is missing or differs from exports without 'source' in ${stale.join(', ')}; run: node tools/publish-config.mjs --write`,
    );
    process.exit(1);
  }
}
