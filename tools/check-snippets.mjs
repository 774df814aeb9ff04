#!/usr/bin/env node
// Compiles every TypeScript snippet of the documentation under `tsc --strict`, as a user would
// paste it: each fenced ```ts block of README.md, packages/*/README.md, examples/*/README.md and
// docs/*.md becomes a module of its own, importing the @downhill packages from their sources. (The
// ```js blocks of the top-level README are JavaScript programs: the consumer test runs them with
// Node against the packed packages.) No cast is needed for a snippet
// to pass, and none may stand in one: a cast (`x as T`, `<T>x`; `as const` is no cast), the type
// `any` written out, and a variable or parameter whose type comes out as `any` are errors of their
// own.
//
// A fragment that uses names it does not define states them in a comment right before its fence,
// `<!-- snippet: given import type { Tensor } from '@downhill/backend'; declare const x: Tensor; -->`
// (hidden from readers, compiled ahead of the snippet), so its use of the API is still checked. A
// sketch that cannot compile at all says why, `<!-- snippet: partial: <reason> -->`; it is skipped,
// counted, and printed with its reason (a bare `<!-- snippet: partial -->` prints "no reason given"). A block after `<!-- consumer-test: <dir>/<file> -->` is written under that
// name, so the files of one package see each other (`import { signum } from './index.js'`).
//
// Usage: node tools/check-snippets.mjs [--list]   Exits 1 and prints each diagnostic on failure.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

export const root = resolve(dirname(new URL(import.meta.url).pathname), '..');

/** The documentation files whose snippets are checked, relative to the root. */
export function documentationFiles() {
  const out = ['README.md'];
  for (const dir of ['packages', 'examples']) {
    for (const name of readdirSync(join(root, dir)).sort()) {
      const f = join(dir, name, 'README.md');
      if (existsSync(join(root, f))) out.push(f);
    }
  }
  for (const name of readdirSync(join(root, 'docs')).sort()) if (name.endsWith('.md')) out.push(join('docs', name));
  return out;
}

/** The fenced ts/js blocks of a markdown file: { file, line, lang, code, partial, name }. */
export function snippetsOf(file) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript)\s*$/.exec(lines[i]);
    if (!open) {
      if (/^```/.test(lines[i])) for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++);
      continue;
    }
    let partial = false; // or the reason the snippet is partial
    let name;
    let given = '';
    // The HTML comments right above the fence (each may span lines).
    for (let j = i - 1; j >= 0 && /-->\s*$/.test(lines[j]); j--) {
      let top = j;
      while (top > 0 && !/^<!--/.test(lines[top])) top--;
      const comment = lines.slice(top, j + 1).join('\n');
      const p = /^<!--\s*snippet:\s*partial\s*(?::\s*([\s\S]*?))?\s*-->$/.exec(comment);
      if (p) partial = p[1]?.replace(/\s+/g, ' ') || 'no reason given';
      const g = /^<!--\s*snippet:\s*given\s*([\s\S]*?)-->$/.exec(comment);
      if (g) given = g[1].trim();
      const m = /^<!--\s*consumer-test:\s*(\S+)\s*-->$/.exec(comment);
      if (m) name = m[1];
      j = top;
    }
    const start = i + 1;
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++);
    const lang = open[1].startsWith('t') ? 'ts' : 'js';
    out.push({ file, line: start, lang, code: lines.slice(start, i).join('\n'), partial, name, given });
  }
  return out;
}

/** A folder and every folder above it. */
function ancestors(d) {
  const out = [];
  for (let x = d; x !== dirname(x); x = dirname(x)) out.push(x);
  return out;
}

/** paths for every @downhill package and subpath export, to its TypeScript source. */
function downhillPaths() {
  const paths = {};
  for (const dir of ['packages', 'examples']) {
    for (const name of readdirSync(join(root, dir))) {
      const pj = join(root, dir, name, 'package.json');
      if (!existsSync(pj)) continue;
      const pkg = JSON.parse(readFileSync(pj, 'utf8'));
      if (!pkg.name?.startsWith('@downhill/') || !pkg.exports) continue;
      for (const [sub, target] of Object.entries(pkg.exports)) {
        const source = typeof target === 'object' && target !== null ? target.source : undefined;
        if (typeof source === 'string') paths[pkg.name + sub.slice(1)] = [join(root, dir, name, source)];
      }
    }
  }
  return paths;
}

/**
 * What a snippet must not hold: a cast (`x as T`, `<T>x`; `as const` is no cast), the type `any`
 * written out, and a name (a variable or parameter) whose type comes out as `any` (an
 * unannotated parameter nothing gives a type to). Returns [node, what] pairs.
 */
function untyped(sf, checker) {
  const out = [];
  const visit = (node) => {
    if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) {
      const t = node.type;
      const isConst = ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName) && t.typeName.text === 'const';
      if (!isConst) out.push([node, 'a cast in a snippet']);
    } else if (node.kind === ts.SyntaxKind.AnyKeyword) {
      out.push([node, "the type 'any' in a snippet"]);
    } else if ((ts.isParameter(node) || ts.isVariableDeclaration(node)) && ts.isIdentifier(node.name)) {
      const type = checker.getTypeAtLocation(node.name);
      if (type.flags & ts.TypeFlags.Any) out.push([node.name, `'${node.name.text}' is typed any in a snippet`]);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/**
 * Compiles the snippets; returns { checked, partial, partials, problems: string[] }, `partials`
 * listing each skipped snippet as `file:line: reason`.
 */
export function checkSnippets(files = documentationFiles()) {
  const virtual = new Map();
  const origin = new Map();
  const partials = [];
  const problems = [];
  let k = 0;
  for (const file of files) {
    for (const s of snippetsOf(file)) {
      if (s.partial) {
        partials.push(`${s.file}:${s.line}: ${s.partial}`);
        continue;
      }
      // Under the README's own folder, so third-party imports resolve from that package's node_modules.
      const base = join(root, dirname(file), '.snippets');
      const ext = s.lang === 'ts' ? '.ts' : '.mjs';
      const path = s.name
        ? join(base, s.name.replace(/\.(m?js|ts)$/, s.lang === 'ts' ? '.ts' : '.js'))
        : join(base, `snippet-${++k}-line-${s.line}${ext}`);
      // The context a fragment assumes (`<!-- snippet: given … -->`) goes on the snippet's first
      // line, so the snippet's own lines keep their numbers.
      virtual.set(path, `${s.given.replace(/\n/g, ' ')} ${s.code}\nexport {};\n`);
      origin.set(path, s);
    }
  }
  const tsOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    customConditions: ['source'],
    allowJs: true,
    checkJs: true,
    skipLibCheck: true,
    resolveJsonModule: true,
    allowImportingTsExtensions: true,
    types: ['node'],
    typeRoots: [join(root, 'node_modules/@types')],
    baseUrl: root,
    paths: downhillPaths(),
  };
  // JavaScript snippets are checked as JavaScript is (checkJs): strict, except that a parameter
  // JavaScript cannot annotate is not an error (noImplicitAny off for them).
  const jsOptions = { ...tsOptions, noImplicitAny: false };
  const dirs = new Set([...virtual.keys()].flatMap((f) => ancestors(dirname(f))));
  const cache = new Map();
  const diagnostics = [];
  for (const [options, pick] of [
    [tsOptions, (f) => f.endsWith('.ts')],
    [jsOptions, (f) => !f.endsWith('.ts')],
  ]) {
    const roots = [...virtual.keys()].filter(pick);
    if (roots.length === 0) continue;
    const host = ts.createCompilerHost(options);
    const { fileExists, readFile, getSourceFile, directoryExists } = host;
    host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
    host.directoryExists = (d) => dirs.has(d) || (directoryExists ? directoryExists.call(host, d) : true);
    host.readFile = (f) => virtual.get(f) ?? readFile.call(host, f);
    host.getSourceFile = (f, lang, onError, create) => {
      if (virtual.has(f)) return ts.createSourceFile(f, virtual.get(f), lang, true);
      const key = `${f}|${typeof lang === 'object' ? lang.languageVersion : lang}`;
      if (!cache.has(key)) cache.set(key, getSourceFile.call(host, f, lang, onError, create));
      return cache.get(key);
    };
    const program = ts.createProgram(roots, options, host);
    diagnostics.push(...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics());
    // Only the snippets' own diagnostics: the packages' sources are type-checked by their own builds.
    const checker = program.getTypeChecker();
    for (const f of roots) {
      const sf = program.getSourceFile(f);
      diagnostics.push(...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf));
      for (const [node, what] of untyped(sf, checker)) {
        const s = origin.get(f);
        const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
        problems.push(`${s.file}:${s.line + line + 1}: ${what}: ${node.getText(sf).split('\n')[0].slice(0, 100)}`);
      }
    }
  }
  for (const d of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n    ');
    if (!d.file) {
      problems.push(`(options) TS${d.code}: ${message}`);
      continue;
    }
    const s = origin.get(d.file.fileName);
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    problems.push(`${s.file}:${s.line + line + 1}: TS${d.code}: ${message}`);
  }
  return { checked: virtual.size, partial: partials.length, partials, problems };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const started = Date.now();
  if (process.argv.includes('--list')) {
    for (const f of documentationFiles())
      for (const s of snippetsOf(f)) console.log(`${s.file}:${s.line} ${s.lang}${s.partial ? ' (partial)' : ''}`);
  }
  const { checked, partial, partials, problems } = checkSnippets();
  for (const p of partials) console.log(`partial (not compiled): ${p}`);
  for (const p of problems) console.error(p);
  console.log(
    `snippets: ${checked} compiled under --strict, ${partial} marked partial, ${problems.length} problem(s) (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  process.exit(problems.length > 0 ? 1 : 0);
}
