import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A module that could not be imported. */
export class PluginImportError extends Error {
  override readonly name = 'PluginImportError';
}

const BARE_PACKAGE = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i;
const BARE_SPEC = /^((?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*)(\/.*)?$/i;

/** The entry an `exports` value gives for ESM (`import`, then `default`, nested conditions followed). */
function exportTarget(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(exportTarget).find(Boolean);
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    for (const c of ['import', 'node', 'default']) if (c in v) return exportTarget(v[c]);
  }
  return undefined;
}

/**
 * Resolves a bare specifier (`pkg`, `pkg/register`, `@scope/pkg/sub`) from the `node_modules`
 * folders above `from`, the way Node resolves an import from a file in `from`: the package's
 * `exports` (its `import` or `default` entry), else `main`, else `index.js`.
 *
 * @returns a file URL, or undefined when no such package or entry is found.
 */
export function resolveFrom(spec: string, from: string): string | undefined {
  const m = BARE_SPEC.exec(spec);
  if (!m) return undefined;
  const [, name, sub = ''] = m;
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const pkgDir = join(dir, 'node_modules', name);
    const manifest = join(pkgDir, 'package.json');
    if (existsSync(manifest)) {
      const pj = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown; main?: string };
      let target: string | undefined;
      if (pj.exports !== undefined) {
        const map =
          typeof pj.exports === 'object' && pj.exports && Object.keys(pj.exports).some((k) => k.startsWith('.'))
            ? (pj.exports as Record<string, unknown>)
            : { '.': pj.exports };
        target = exportTarget(map[`.${sub}`]);
      } else target = sub ? `.${sub}` : (pj.main ?? 'index.js');
      return target && existsSync(join(pkgDir, target)) ? pathToFileURL(join(pkgDir, target)).href : undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Imports plugin modules for their side effect of registering optimizers. A path (starting with
 * `.` or `/`) is resolved against `from` (the directory the user ran the command in); a package
 * name is resolved from this example, then from `from` (a plugin installed in the user's own
 * project), and when that package has a `register` entry point (the convention of downhill's
 * packages: `@downhill/optimizers/register`), that is imported too, so
 * `--plugin downhill-example-plugin-qhadam` is enough.
 *
 * @returns the modules imported, in order.
 * @throws PluginImportError naming the module and why it failed.
 */
export async function importPlugins(specs: readonly string[], { from = process.cwd() }: { from?: string } = {}): Promise<string[]> {
  const imported: string[] = [];
  const load = async (spec: string): Promise<void> => {
    try {
      await import(spec);
    } catch (e) {
      const code = (e as { code?: string }).code;
      const elsewhere = code === 'ERR_MODULE_NOT_FOUND' && BARE_SPEC.test(spec) ? resolveFrom(spec, from) : undefined;
      if (!elsewhere) throw e;
      await import(elsewhere);
    }
  };
  for (const spec of specs) {
    const isPath = spec.startsWith('.') || isAbsolute(spec);
    try {
      if (isPath) await import(pathToFileURL(resolve(from, spec)).href);
      else await load(spec);
      imported.push(spec);
    } catch (e) {
      throw new PluginImportError(
        `could not import '${spec}'${isPath ? ` (${resolve(from, spec)})` : ` (looked in this example's and ${from}'s node_modules)`}: ${(e as Error).message.split('\n')[0]}`,
      );
    }
    if (!isPath && BARE_PACKAGE.test(spec)) {
      try {
        await load(`${spec}/register`);
        imported.push(`${spec}/register`);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED' && code !== 'ERR_MODULE_NOT_FOUND') {
          throw new PluginImportError(`could not import '${spec}/register': ${(e as Error).message.split('\n')[0]}`);
        }
      }
    }
  }
  return imported;
}
