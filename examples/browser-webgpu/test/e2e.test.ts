import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// End to end: build the page with Vite, serve it on 127.0.0.1, and train in Debian's Chromium
// (headless, WebGPU on SwiftShader). Skips, saying why, only where Chromium is not installed;
// CI installs it and sets DOWNHILL_REQUIRE_CHROMIUM=1, which turns a missing Chromium into a failure.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  if (process.env.DOWNHILL_REQUIRE_CHROMIUM === '1') throw new Error(`DOWNHILL_REQUIRE_CHROMIUM=1 but there is no Chromium at ${CHROMIUM}`);
  console.log(`skipping the browser end-to-end test: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface PageState {
  status: string;
  backend?: string;
  reason?: string;
  path?: string;
  losses: number[];
  error?: string;
  cpuThreads?: { threads: number; cores: number; reason?: string; isolated: boolean };
}

describe.skipIf(!hasChromium)(`browser example in Chromium${hasChromium ? '' : ' [skipped: Chromium not installed]'}`, () => {
  let outDir = '';
  let server: PreviewServer | undefined;
  let browser: Browser | undefined;
  let url = '';

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'downhill-browser-webgpu-'));
    // only the training page (the playground has its own test)
    await build({
      root,
      logLevel: 'error',
      build: { outDir, emptyOutDir: true, minify: false, reportCompressedSize: false, rollupOptions: { input: join(root, 'index.html') } },
    });
    server = await preview({ root, logLevel: 'error', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
    url = server.resolvedUrls?.local[0] ?? '';
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  /** Opens the page, waits for training to end, and returns what it reports. */
  async function run(query = '', init?: string): Promise<PageState> {
    const page = await browser!.newPage();
    try {
      const logs: string[] = [];
      page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
      if (init) await page.addInitScript(init);
      await page.goto(`${url}${query}`);
      await page.waitForFunction(
        () => {
          const s = (globalThis as { __downhill?: PageState }).__downhill?.status;
          return s === 'done' || s === 'error';
        },
        undefined,
        { timeout: 150_000 },
      );
      const state = (await page.evaluate(() => (globalThis as { __downhill?: PageState }).__downhill)) as PageState;
      if (state.status !== 'done') throw new Error(`the page failed: ${state.error}\n${logs.join('\n')}`);
      return state;
    } finally {
      await page.close();
    }
  }

  it('trains on WebGPU with the fused Adam program, and the loss goes down', async () => {
    // 100 steps: software WebGPU spends seconds compiling the shaders, then tens of ms a step.
    // Named: on SwiftShader, auto-selection ranks WebGPU below the CPU backend (next test).
    const s = await run('?steps=100&backend=webgpu');
    expect(s.backend).toBe('webgpu');
    expect(s.reason).toBe('webgpu: named in code');
    expect(s.path).toBe('fused');
    expect(s.losses).toHaveLength(100);
    const first = s.losses[0];
    const last = s.losses[s.losses.length - 1];
    expect(last).toBeLessThan(0.2 * first); // 0.07 on the CPU backend; float32 GPU rounding moves it a little
  }, 180_000);

  it('ranks WebGPU on a software adapter (SwiftShader) below the CPU backend when choosing, and says so', async () => {
    const s = await run('?steps=20');
    expect(s.backend).toBe('cpu');
    expect(s.reason).toMatch(/^cpu .*the highest-priority backend that started here; ranked below it: webgpu: .*software/i);
    expect(s.losses).toHaveLength(20);
  }, 180_000);

  it('is cross-origin isolated (COOP/COEP headers), so backend-cpu runs on worker threads', async () => {
    const s = await run('?steps=20');
    expect(s.backend).toBe('cpu');
    expect(s.reason).toContain('multithreaded (worker threads over shared memory)');
    expect(s.cpuThreads?.isolated).toBe(true);
    expect(s.cpuThreads?.reason).toBeUndefined();
    expect(s.cpuThreads?.threads).toBe(Math.min(8, s.cpuThreads!.cores));
    expect(s.losses[s.losses.length - 1]).toBeLessThan(s.losses[0]);
  }, 180_000);

  it('without SharedArrayBuffer (a page that is not isolated), backend-cpu runs on one thread and says why', async () => {
    const s = await run('?steps=20', 'delete globalThis.SharedArrayBuffer;');
    expect(s.backend).toBe('cpu');
    expect(s.reason).toContain('one thread (no SharedArrayBuffer here)');
    expect(s.cpuThreads?.threads).toBe(1);
    expect(s.cpuThreads?.reason).toBe('no SharedArrayBuffer here');
    expect(s.losses[s.losses.length - 1]).toBeLessThan(s.losses[0]);
  }, 180_000);

  it('falls back to the CPU backend where the browser has no WebGPU, and says why', async () => {
    const s = await run('?steps=100', `Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });`);
    expect(s.backend).toBe('cpu');
    expect(s.reason).toContain('tried first: webgpu: webgpu: this browser has no WebGPU (navigator.gpu is missing)');
    expect(s.losses[s.losses.length - 1]).toBeLessThan(0.1 * s.losses[0]);
  }, 180_000);
});
