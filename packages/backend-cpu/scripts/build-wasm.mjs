// Compiles the AssemblyScript kernels in ../assembly into WebAssembly and writes them, base64
// encoded, into ../src/wasm/kernels-wasm.ts (committed, so tests and users need no build step).
//
//   pnpm --filter @downhill/backend-cpu build:wasm          (writes the module)
//   node scripts/build-wasm.mjs --check                     (exits 1 if the committed module differs)
//
// Two variants come from the same source: `shared` imports a shared WebAssembly.Memory (tensors
// live in it; growing it keeps existing views valid) and `private` imports an ordinary one (used
// where SharedArrayBuffer is unavailable, as in browser pages that are not cross-origin isolated;
// operands are copied in and out).
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUTPUT = join(root, 'src', 'wasm', 'kernels-wasm.ts');

const COMMON = [
  'assembly/index.ts',
  '-O3',
  '--noAssert',
  '--runtime',
  'minimal',
  '--enable',
  'simd',
  '--importMemory',
  '--initialMemory',
  '1',
];
const VARIANTS = {
  shared: [...COMMON, '--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536'],
  private: [...COMMON],
};

/** The version of the AssemblyScript compiler that is installed, or undefined when it is absent. */
export async function compilerVersion() {
  try {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    return JSON.parse(await readFile(require.resolve('assemblyscript/package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** Compiles both variants; resolves to `{ shared, private }` as Uint8Arrays. */
export async function compileKernels() {
  const { default: asc } = await import('assemblyscript/asc');
  const out = {};
  for (const [name, args] of Object.entries(VARIANTS)) {
    let binary;
    let log = '';
    const sink = { write: (s) => ((log += String(s)), true) };
    const { error } = await asc.main([...args, '--baseDir', root, '--outFile', 'kernels.wasm'], {
      stdout: sink,
      stderr: sink,
      writeFile: (file, contents) => {
        if (file.endsWith('.wasm')) binary = contents;
      },
      readFile: async (file, baseDir) => {
        try {
          return await readFile(join(baseDir ?? root, file), 'utf8');
        } catch {
          return null;
        }
      },
    });
    if (error || !binary) throw new Error(`asc failed for the ${name} variant: ${error?.message ?? 'no output'}\n${log}`);
    out[name] = binary;
  }
  return out;
}

/** The TypeScript module that embeds the two binaries. */
export function renderModule(binaries, version) {
  const b64 = (u8) => Buffer.from(u8).toString('base64');
  const wrap = (s) =>
    s
      .match(/.{1,100}/g)
      .map((l) => `  '${l}'`)
      .join(' +\n');
  return `// GENERATED FILE, do not edit. Made by \`pnpm --filter @downhill/backend-cpu build:wasm\`
// (scripts/build-wasm.mjs) from assembly/*.ts with AssemblyScript ${version}.
// src/wasm/build.test.ts rebuilds it and checks that it matches.

/** The kernels compiled against a shared, growable memory (${binaries.shared.length} bytes), base64. */
export const KERNELS_SHARED_BASE64 =
${wrap(b64(binaries.shared))};

/** The kernels compiled against an ordinary memory (${binaries.private.length} bytes), base64. */
export const KERNELS_PRIVATE_BASE64 =
${wrap(b64(binaries.private))};
`;
}

async function main() {
  const version = await compilerVersion();
  if (!version) {
    console.error('build-wasm: the AssemblyScript compiler (assemblyscript) is not installed; run pnpm install');
    process.exit(2);
  }
  const text = renderModule(await compileKernels(), version);
  if (process.argv.includes('--check')) {
    const current = await readFile(OUTPUT, 'utf8').catch(() => '');
    if (current !== text) {
      console.error(`build-wasm: ${OUTPUT} is out of date; run pnpm --filter @downhill/backend-cpu build:wasm`);
      process.exit(1);
    }
    console.log('build-wasm: the committed module matches the sources');
    return;
  }
  await writeFile(OUTPUT, text);
  console.log(`build-wasm: wrote ${OUTPUT}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
