import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = process.env.DOWNHILL_REQUIRE_WEBGPU === '1';

// A separate process: what reaches its standard error (a pipe, as from a shell; a terminal behaves
// the same) is what a user would see. The program writes to standard error before, during and after the adapter is made.
const program = `
import '@downhill/backend-cpu/register';
import '@downhill/backend-webgpu/register';
import { selectBackend, getBackend } from '@downhill/backend';
import { webgpuInfo } from '@downhill/backend-webgpu';
process.stderr.write('before\\n');
const sel = await selectBackend({ env: {} });
let info;
try { info = webgpuInfo(await getBackend('webgpu')); } catch (e) { info = { error: e.message }; }
process.stderr.write('after\\n');
console.log(JSON.stringify({ name: sel.name, reason: sel.reason, info }));
process.exit(0);
`;

/** Runs the program with standard error on a real pipe (`2>&1 | cat`), as a shell or a terminal gives it; returns both streams merged. */
function run(env: Record<string, string>) {
  const r = spawnSync('/bin/sh', ['-c', '"$NODE" --conditions=source --import tsx --input-type=module -e "$PROGRAM" 2>&1 | cat'], {
    cwd: pkg,
    env: { ...process.env, DOWNHILL_BACKEND: '', NODE: process.execPath, PROGRAM: program, ...env },
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { status: r.status, output: r.stdout + r.stderr };
}

describe('auto-selection on a software adapter (Mesa llvmpipe in Node)', () => {
  it("picks cpu, says why, and keeps Dawn's adapter warnings off standard error", (ctx) => {
    const r = run({});
    expect(r.status, r.output).toBe(0);
    const out = JSON.parse(r.output.trim().split('\n').pop()!);
    if (out.info?.error || !out.info?.software) {
      if (require && !out.info?.software) throw new Error(`expected a software WebGPU adapter here: ${JSON.stringify(out.info)}`);
      console.log(`skipping: no software WebGPU adapter here (${JSON.stringify(out.info)})`);
      ctx.skip();
    }
    expect(out.info.software).toMatch(/llvmpipe|lavapipe|swiftshader/i);
    expect(out.name).toBe('cpu');
    expect(out.reason).toMatch(
      /^cpu \(.*\): the highest-priority backend that started here; ranked below it: webgpu: a software adapter \(.*(llvmpipe|lavapipe).*\), slower than the CPU backends \(priority 50 instead of 200\)$/,
    );
    // standard error works before and after, and Dawn's limit warnings are gone
    expect(r.output).toContain('before\nafter\n');
    expect(r.output).not.toMatch(/artificially reduced/);
    // with DOWNHILL_WEBGPU_VERBOSE=1 they are printed (the warnings are Dawn's, and real)
    const verbose = run({ DOWNHILL_WEBGPU_VERBOSE: '1' });
    expect(verbose.output).toMatch(/maxDynamicUniformBuffersPerPipelineLayout artificially reduced/);
  }, 400_000);
});
