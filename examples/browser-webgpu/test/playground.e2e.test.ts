import '@downhill/backend-cpu/register';
import '@downhill/optimizers/register';
import 'downhill-example-plugin-qhadam/register';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getBackend, type Backend } from '@downhill/backend';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeConfig, type PlaygroundConfig } from '../src/playground/config.js';
import { plotFrame } from '../src/playground/draw.js';
import { PRESETS } from '../src/playground/presets.js';
import { formatReadout, runToEnd, type Readout, type RunSummary } from '../src/playground/run.js';
import { makeSurface } from '../src/playground/surface.js';

// The optimizer playground end to end: build the page with Vite, serve it on 127.0.0.1, drive it in
// Debian's Chromium, and hold what it shows against a Node run of the same configuration through
// the same module (src/playground/run.ts). Skips, saying why, only where Chromium is not installed;
// DOWNHILL_REQUIRE_CHROMIUM=1 (set by .ci/run) turns a missing Chromium into a failure.
// DOWNHILL_UPDATE_SCREENSHOTS=1 writes the four screenshots into screenshots/ (committed, linked
// from the README); otherwise they go to a temporary folder and are only checked.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  if (process.env.DOWNHILL_REQUIRE_CHROMIUM === '1') throw new Error(`DOWNHILL_REQUIRE_CHROMIUM=1 but there is no Chromium at ${CHROMIUM}`);
  console.log(`skipping the playground end-to-end test: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What the page exposes as `window.__playground`. */
interface PageState {
  status: 'starting' | 'running' | 'done' | 'error';
  generation: number;
  config: PlaygroundConfig;
  query: string;
  problems: string[];
  summaries: RunSummary[];
  readouts: Readout[];
  paths: string[];
  error?: string;
}

describe.skipIf(!hasChromium)(`the optimizer playground in Chromium${hasChromium ? '' : ' [skipped: Chromium not installed]'}`, () => {
  let outDir = '';
  let shotDir = '';
  let server: PreviewServer | undefined;
  let browser: Browser | undefined;
  let base = '';
  let backend: Backend;
  const logs: string[] = [];

  beforeAll(async () => {
    backend = await getBackend('cpu');
    outDir = mkdtempSync(join(tmpdir(), 'downhill-playground-'));
    shotDir = process.env.DOWNHILL_UPDATE_SCREENSHOTS === '1' ? join(root, 'screenshots') : join(outDir, 'screenshots');
    mkdirSync(shotDir, { recursive: true });
    // only the playground page: the WebGPU page's bundle is not needed here
    await build({
      root,
      logLevel: 'error',
      build: {
        outDir: join(outDir, 'site'),
        emptyOutDir: true,
        minify: false,
        reportCompressedSize: false,
        rollupOptions: { input: join(root, 'playground.html') },
      },
    });
    server = await preview({
      root,
      logLevel: 'error',
      build: { outDir: join(outDir, 'site') },
      preview: { host: '127.0.0.1', port: 0, strictPort: false },
    });
    base = `${server.resolvedUrls?.local[0] ?? ''}playground.html`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  async function open(query = ''): Promise<Page> {
    const page = await browser!.newPage({ viewport: { width: 1180, height: 900 } });
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    await page.goto(`${base}${query}`);
    return page;
  }

  /** Waits until the runs started after generation `after` have finished, and returns the page's state. */
  async function settled(page: Page, after = 0): Promise<PageState> {
    await page.waitForFunction(
      (g) => {
        const s = (globalThis as { __playground?: PageState }).__playground;
        return s !== undefined && (s.status === 'error' || (s.status === 'done' && s.generation > g));
      },
      after,
      { timeout: 30_000 },
    );
    const state = (await page.evaluate(() => (globalThis as { __playground?: PageState }).__playground)) as PageState;
    if (state.status !== 'done') throw new Error(`the page failed: ${state.error}\n${logs.join('\n')}`);
    return state;
  }

  /** The readout cells as shown on the page. */
  async function shown(page: Page): Promise<Readout[]> {
    return page.$$eval('#readout tbody tr', (rows) =>
      rows.map((r) => ({
        steps: r.querySelector('.steps')!.textContent!,
        loss: r.querySelector('.loss')!.textContent!,
        lr: r.querySelector('.lr')!.textContent!,
        where: r.querySelector('.where')!.textContent!,
      })),
    );
  }

  /**
   * The page's final numbers equal a Node run of the configuration its address holds: the text
   * shown exactly, the float64 numbers to 1e-12 relative. Not bitwise: Chromium's V8 and Node 20's
   * round Math.exp, Math.pow and Math.cos differently in the last bit (234 of 2,691 sample values
   * differ by one ulp), and both backends call them.
   */
  async function matchesNode(page: Page, state: PageState): Promise<RunSummary[]> {
    expect(new URL(page.url()).search).toBe(`?${state.query}`);
    const { config, problems } = decodeConfig(new URL(page.url()).search);
    expect(problems).toEqual([]);
    expect(config).toEqual(state.config);
    const node = runToEnd(backend, config);
    expect(await shown(page)).toEqual(node.map(formatReadout));
    expect(state.summaries).toHaveLength(node.length);
    state.summaries.forEach((p, i) => {
      const n = node[i];
      expect({ label: p.label, steps: p.steps, diverged: p.diverged, error: p.error }).toEqual({
        label: n.label,
        steps: n.steps,
        diverged: n.diverged,
        error: n.error,
      });
      for (const [a, b] of [
        [p.loss, n.loss],
        [p.lr, n.lr],
        [p.end[0], n.end[0]],
        [p.end[1], n.end[1]],
      ]) {
        expect(Math.abs(a - b), `${n.label}: page ${a}, Node ${b}`).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(b), 1e-300));
      }
    });
    return node;
  }

  it('runs two chosen optimizers, follows a learning rate and a dragged start, and shows the final losses a Node run computes', async () => {
    const page = await open('?surface=ravine&kappa=20&steps=80&run=sgd,lr:0.02');
    let s = await settled(page);
    expect(s.config.runs.map((r) => r.optimizer)).toEqual(['sgd']);

    // select two optimizers: Adam, and QHAdam from a plugin package
    for (const name of ['adam', 'qhadam']) {
      const g = s.generation;
      await page.selectOption('#add-optimizer', name);
      await page.click('#add');
      s = await settled(page, g);
    }
    expect(s.config.runs.map((r) => r.optimizer)).toEqual(['sgd', 'adam', 'qhadam']);
    expect(s.paths.every((d) => d.length > 100)).toBe(true);
    const before = s;
    await matchesNode(page, s);

    // change Adam's learning rate with its slider (log scale): 10^-0.5
    let g = s.generation;
    await page.locator('.run-card[data-run="1"] input[type="range"][data-option="lr"]').fill('-0.5');
    s = await settled(page, g);
    expect(s.config.runs[1].options.lr).toBe(0.316);
    expect(await page.inputValue('.run-card[data-run="1"] input[type="number"][data-option="lr"]')).toBe('0.316');
    expect(s.paths[1]).not.toBe(before.paths[1]);
    expect(s.paths[0]).toBe(before.paths[0]);
    expect(s.readouts[1].loss).not.toBe(before.readouts[1].loss);
    expect(s.readouts[1].lr).toBe('0.316');
    const afterLr = s;

    // drag the start point from the black dot to another place
    const dot = (await page.locator('#start').boundingBox())!;
    const plot = (await page.locator('#plot').boundingBox())!;
    g = s.generation;
    await page.mouse.move(dot.x + dot.width / 2, dot.y + dot.height / 2);
    await page.mouse.down();
    const target = { x: plot.x + 0.8 * plot.width, y: plot.y + 0.2 * plot.height };
    await page.mouse.move(target.x, target.y, { steps: 5 });
    await page.mouse.up();
    s = await settled(page, g);
    // the plot shows x in [-3, 3] and y in [-2, 2]; the start follows the pointer to a thousandth
    expect(s.config.start[0]).toBeCloseTo(-3 + 0.8 * 6, 1);
    expect(s.config.start[1]).toBeCloseTo(2 - 0.2 * 4, 1);
    for (let i = 0; i < 3; i++) {
      expect(s.paths[i]).not.toBe(afterLr.paths[i]);
      expect(s.readouts[i].loss).not.toBe(afterLr.readouts[i].loss);
      expect(s.readouts[i].where).not.toBe(afterLr.readouts[i].where);
    }
    const node = await matchesNode(page, s);
    expect(node.map((r) => r.steps)).toEqual([80, 80, 80]);

    // the address restores this view exactly: the same configuration, paths and readouts
    const again = await open(new URL(page.url()).search);
    const t = await settled(again);
    expect(t.config).toEqual(s.config);
    expect(t.paths).toEqual(s.paths);
    expect(await shown(again)).toEqual(await shown(page));
    await again.close();
    await page.close();
  }, 90_000);

  it('restores every setting from the address: surface, its parameters, optimizers, hyperparameters, schedules, bias correction, start', async () => {
    const query =
      'surface=noisy&kappa=50&noise=0.7&seed=3&start=1.5,-1.25&steps=90' +
      '&run=adam,lr:0.05,b2:0.99,schedule:warmup,bias:off&run=sgd,lr:0.02,momentum:0.8,nesterov:on&run=rmsprop,lr:0.01,centered:on,schedule:cosine';
    const page = await open(`?${query}`);
    const s = await settled(page);
    expect(s.problems).toEqual([]);
    expect(s.query).toBe(query);
    expect(s.config).toEqual(decodeConfig(query).config);
    // the controls show it
    expect(await page.inputValue('#surface')).toBe('noisy');
    expect(await page.inputValue('#noise')).toBe('0.7');
    expect(await page.inputValue('#steps')).toBe('90');
    expect(await page.isVisible('#kappa')).toBe(false);
    expect(await page.inputValue('.run-card[data-run="0"] input[type="number"][data-option="lr"]')).toBe('0.05');
    expect(await page.inputValue('.run-card[data-run="0"] input[type="number"][data-option="b2"]')).toBe('0.99');
    expect(await page.inputValue('.run-card[data-run="0"] .schedule')).toBe('warmup');
    expect(await page.isChecked('.run-card[data-run="0"] .bias')).toBe(false);
    expect(await page.inputValue('.run-card[data-run="1"] input[type="number"][data-option="momentum"]')).toBe('0.8');
    expect(await page.isChecked('.run-card[data-run="1"] input[type="checkbox"][data-option="nesterov"]')).toBe(true);
    expect(await page.isChecked('.run-card[data-run="2"] input[type="checkbox"][data-option="centered"]')).toBe(true);
    expect(await page.inputValue('.run-card[data-run="2"] .schedule')).toBe('cosine');
    // the start marker sits where the address puts it
    const frame = plotFrame(makeSurface(s.config), 520, 440);
    const [px, py] = frame.toPx([1.5, -1.25]);
    expect(await page.getAttribute('#start', 'cx')).toBe(px.toFixed(1));
    expect(await page.getAttribute('#start', 'cy')).toBe(py.toFixed(1));
    // and runs it to the same numbers as Node
    await matchesNode(page, s);
    await page.close();
  }, 60_000);

  it('draws the lessons (screenshots): the learning-rate regimes, momentum in a ravine, the saddle, bias correction, minibatch noise', async () => {
    const page = await open();
    let s = await settled(page);
    for (const preset of PRESETS) {
      const g = s.generation;
      await page.click(`#preset-${preset.id}`);
      s = await settled(page, g);
      expect(s.config).toEqual(preset.config);
      expect(await page.textContent('#explanation')).toContain(preset.explanation.slice(0, 40));
      const node = await matchesNode(page, s);
      if (preset.id === 'regimes') {
        expect(await page.$$eval('#explanation li', (li) => li.length)).toBe(4);
        const [slow, right, oscillating, diverging] = node;
        expect(right.loss).toBeLessThan(oscillating.loss);
        expect(oscillating.loss).toBeLessThan(slow.loss);
        expect(diverging.loss).toBeGreaterThan(1e6);
      }
      const file = join(shotDir, `playground-${preset.id}.png`);
      await page.locator('#stage').screenshot({ path: file });
      const png = readFileSync(file);
      expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
      expect(png.readUInt32BE(16)).toBeGreaterThan(900); // width
    }
    await page.close();
  }, 90_000);
});
