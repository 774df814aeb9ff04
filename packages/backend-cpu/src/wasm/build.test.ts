/**
 * The committed WebAssembly module (kernels-wasm.ts) must be what the sources in assembly/ compile
 * to: this rebuilds both variants with the installed AssemblyScript compiler and compares.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

const script = new URL('../../scripts/build-wasm.mjs', import.meta.url).href;

interface BuildScript {
  OUTPUT: string;
  compilerVersion(): Promise<string | undefined>;
  compileKernels(): Promise<{ shared: Uint8Array; private: Uint8Array }>;
  renderModule(b: { shared: Uint8Array; private: Uint8Array }, version: string): string;
}

describe('the committed WebAssembly module', () => {
  it('matches a fresh build of assembly/*.ts', { timeout: 180_000 }, async (ctx) => {
    const build = (await import(/* @vite-ignore */ script)) as BuildScript;
    const version = await build.compilerVersion();
    if (!version) {
      console.log('skipped: the AssemblyScript compiler (assemblyscript) is not installed, so the module cannot be rebuilt here');
      ctx.skip();
      return;
    }
    const fresh = build.renderModule(await build.compileKernels(), version);
    const committed = await readFile(build.OUTPUT, 'utf8');
    expect(committed === fresh, 'src/wasm/kernels-wasm.ts is stale: run pnpm --filter @downhill/backend-cpu build:wasm').toBe(true);
  });
});
