// Module resolution hooks for the consumer test: every module the program loads must come from
// the scratch project's own files or its node_modules, never from the workspace.
import { pathToFileURL } from 'node:url';

let scratch;
let workspace;

export function initialize(data) {
  scratch = `${pathToFileURL(data.scratch).href}/`;
  workspace = `${pathToFileURL(data.workspace).href}/`;
}

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const url = result.url;
  if (url.startsWith('file:')) {
    if (url.startsWith(workspace)) throw new Error(`consumer test: '${specifier}' resolved into the workspace (${url})`);
    if (!url.startsWith(scratch)) throw new Error(`consumer test: '${specifier}' resolved outside the scratch project (${url})`);
  }
  return result;
}
