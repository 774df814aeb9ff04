import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A module that could not be imported. */
export class PluginImportError extends Error {
  override readonly name = 'PluginImportError';
}

const BARE_PACKAGE = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i;

/**
 * Imports plugin modules for their side effect of registering optimizers. A path (starting with
 * `.` or `/`) is resolved against the working directory; a package name is resolved from this
 * example, and when that package has a `register` entry point (the convention of downhill's
 * packages: `@downhill/optimizers/register`), that is imported too, so
 * `--plugin downhill-example-plugin-qhadam` is enough.
 *
 * @returns the modules imported, in order.
 * @throws PluginImportError naming the module and why it failed.
 */
export async function importPlugins(specs: readonly string[]): Promise<string[]> {
  const imported: string[] = [];
  for (const spec of specs) {
    const isPath = spec.startsWith('.') || isAbsolute(spec);
    const target = isPath ? pathToFileURL(resolve(spec)).href : spec;
    try {
      await import(target);
      imported.push(spec);
    } catch (e) {
      throw new PluginImportError(`could not import '${spec}': ${(e as Error).message.split('\n')[0]}`);
    }
    if (!isPath && BARE_PACKAGE.test(spec)) {
      try {
        await import(`${spec}/register`);
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
