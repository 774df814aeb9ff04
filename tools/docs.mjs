#!/usr/bin/env node
// The API reference, generated with TypeDoc from the TSDoc of every publishable package.
//
//   node tools/docs.mjs           builds the HTML reference into docs/api (git-ignored)
//   node tools/docs.mjs --check   builds nothing; fails (exit 1) when an exported name or a member
//                                 of one has no TSDoc comment, a {@link} is broken, or a public
//                                 signature refers to a type that is not exported
//
// Entry points are read from each package's `exports` map (the `source` condition, the TypeScript
// files), so a new subpath export is documented and checked without touching this file. Static
// options live in typedoc.json. Type errors are left to `pnpm test` (typecheck), so a half-written
// package elsewhere does not stop the reference from building.
import { relative } from 'node:path';
import { Application, ReflectionKind } from 'typedoc';
import { publishablePackages, root } from './workspace-packages.mjs';

const check = process.argv.includes('--check');
const started = Date.now();

// Each entry point and the import specifier users write for it.
const specifiers = new Map();
for (const pkg of publishablePackages()) {
  for (const [subpath, source] of Object.entries(pkg.entries)) {
    specifiers.set(relative(root, `${pkg.dir}/${source}`), subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`);
  }
}
const entryPoints = [...specifiers.keys()];

process.chdir(root);
const app = await Application.bootstrapWithPlugins({
  options: 'typedoc.json',
  entryPoints,
  entryPointStrategy: 'resolve',
  tsconfig: 'tools/tsconfig.docs.json',
  skipErrorChecking: true,
  // TypeDoc checks documentation only in the packages listed here (by default the root package,
  // which exports nothing): every publishable package.
  packagesRequiringDocumentation: publishablePackages().map((p) => p.name),
});
// Every TypeDoc warning is a problem for --check: an exported name (function, class, interface,
// type, variable, namespace) or a member of one (property, method, accessor) without TSDoc, a
// broken {@link}, a public signature naming an unexported type, an @param naming no parameter.
// Properties of anonymous object types written inline (`{ param: Tensor; state: Tensor[] }`) are
// documented by the declaration they belong to.
const problems = [];
const warn = app.logger.warn.bind(app.logger);
app.logger.warn = (message, ...rest) => {
  const text = String(message);
  if (/does not have any documentation/.test(text) && /\.__type\./.test(text)) return;
  problems.push(text);
  warn(message, ...rest);
};
const project = await app.convert();
if (!project) {
  console.error('docs: TypeDoc could not convert the project');
  process.exit(1);
}

// TypeDoc names modules by path ('optimizers/src/testing'); name them as users import them
// ('@downhill/optimizers/testing').
const byDefaultName = new Map();
const base = commonDir(entryPoints);
for (const [file, spec] of specifiers) {
  byDefaultName.set(
    relative(base, file)
      .replace(/\.ts$/, '')
      .replace(/\/index$/, ''),
    spec,
  );
}
for (const mod of project.getChildrenByKind(ReflectionKind.Module)) {
  const spec = byDefaultName.get(mod.name);
  if (!spec) {
    console.error(`docs: module '${mod.name}' matches no entry point of an exports map`);
    process.exit(1);
  }
  mod.name = spec;
}
project.children?.sort((a, b) => a.name.localeCompare(b.name));

app.validate(project);
app.logger.warn = warn;
if (app.logger.hasErrors() || (check && problems.length)) {
  if (problems.length) console.error(`docs: ${problems.length} problem(s) above`);
  console.error(
    `docs: ${check ? 'check failed' : 'build failed'}: see the errors above (an exported name needs a TSDoc comment: /** One line on what it is. */)`,
  );
  process.exit(1);
}
if (check) {
  console.log(
    `docs: ${entryPoints.length} entry points of ${new Set(specifiers.values()).size} exports checked: every exported name and member is documented (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
} else {
  await app.generateDocs(project, app.options.getValue('out'));
  console.log(
    `docs: API reference written to ${relative(root, app.options.getValue('out'))}/index.html (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
}

function commonDir(files) {
  const parts = files.map((f) => f.split('/').slice(0, -1));
  const first = parts[0];
  let n = 0;
  while (n < first.length && parts.every((p) => p[n] === first[n])) n++;
  return first.slice(0, n).join('/');
}
