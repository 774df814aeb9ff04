/**
 * The optimizer playground's page: controls, the contour plot with the paths, the loss curves and
 * the readout, all following one configuration that lives in the address. The runs themselves are
 * `run.ts`, a plain module that Node runs the same way (the end-to-end test does).
 */
import '@downhill/backend-cpu/register';
import '@downhill/optimizers/register';
import 'downhill-example-plugin-qhadam/register';
import { getBackend, type Backend } from '@downhill/backend';
import { listOptimizers } from '@downhill/optimizers';
import { contourRings, drawable, lrFor, sampleGrid, type TestFunction } from 'downhill-example-surfaces';
import { curvePath } from '../curve.js';
import { LIMITS, SCHEDULES, SURFACES, decodeConfig, encodeConfig, type PlaygroundConfig, type RunSpec } from './config.js';
import { controlFor } from './controls.js';
import { pathD, plotFrame, shading, ticks, type Frame } from './draw.js';
import { optimizerOptions } from './optimizer-options.js';
import { PRESETS, type Preset } from './presets.js';
import { PlaygroundRuns, formatReadout, type Readout, type RunSummary } from './run.js';
import { SCHEDULE_TEXT } from './schedules.js';
import { makeSurface } from './surface.js';

/** What the page exposes for its end-to-end test (and for curious readers in the console). */
interface PageState {
  status: 'starting' | 'running' | 'done' | 'error';
  /** Counts restarts: a test waits for a generation after the one it changed. */
  generation: number;
  config?: PlaygroundConfig;
  /** The address's query, as the page wrote it. */
  query: string;
  problems: string[];
  summaries: RunSummary[];
  readouts: Readout[];
  /** The `d` of each run's drawn path. */
  paths: string[];
  preset?: string;
  error?: string;
}

const page: PageState = { status: 'starting', generation: 0, query: '', problems: [], summaries: [], readouts: [], paths: [] };
(globalThis as { __playground?: PageState }).__playground = page;

/** The runs' colours (Tableau 10, neighbours far apart), readable on the teal shading. */
const PALETTE = ['#e15759', '#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#edc948', '#ff9da7', '#9c755f'];
const PLOT_MAX = { width: 520, height: 440 };
const LOSS_BOX = { width: 420, height: 300, margin: 36 };
const SVG = 'http://www.w3.org/2000/svg';
/** Earlier runs are drawn wider, so runs that coincide show as nested stripes instead of hiding each other. */
const strokeWidth = (i: number) => Math.max(1.2, 3.2 - 0.6 * i).toFixed(1);

const $ = <T extends Element = HTMLElement>(id: string): T => {
  const el = document.querySelector<T>(`#${id}`);
  if (!el) throw new Error(`playground: the page has no element #${id}`);
  return el;
};
const svgEl = (tag: string, attrs: Record<string, string | number>, text?: string): SVGElement => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
};
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};

let backend: Backend;
let config: PlaygroundConfig;
let runs: PlaygroundRuns | undefined;
let frame: Frame;
let fn: TestFunction;
let raf = 0;
let activePreset: Preset | undefined;

/** Rounds a dragged coordinate to what the address keeps (three decimals). */
const round3 = (v: number) => Number(v.toFixed(3));

// ---- configuration changes -------------------------------------------------------------------

/** Makes `c` the configuration: writes the address, redraws what changed, restarts the runs. */
function setConfig(c: PlaygroundConfig, { controls = false }: { controls?: boolean } = {}): void {
  const surfaceChanged = !config || makeSurface(c) !== fn;
  config = c;
  page.config = c;
  page.query = encodeConfig(c);
  history.replaceState(null, '', `?${page.query}`);
  $<HTMLAnchorElement>('share').href = `?${page.query}`;
  if (surfaceChanged) drawSurface();
  if (controls) buildControls();
  restart();
}

function updateRun(i: number, f: (r: RunSpec) => RunSpec): void {
  setConfig({ ...config, runs: config.runs.map((r, k) => (k === i ? f(r) : r)) });
}

// ---- the runs ---------------------------------------------------------------------------------

function restart(): void {
  runs?.dispose();
  cancelAnimationFrame(raf);
  runs = new PlaygroundRuns(backend, config);
  page.generation++;
  page.status = 'running';
  const rounds = Math.max(1, Math.ceil(config.steps / 60)); // about a second at 60 frames a second
  const tick = () => {
    const done = runs!.advance(12, rounds);
    drawRuns();
    if (done) {
      page.status = 'done';
    } else {
      raf = requestAnimationFrame(tick);
    }
  };
  drawRuns();
  raf = requestAnimationFrame(tick);
}

// ---- drawing ---------------------------------------------------------------------------------

function drawSurface(): void {
  fn = makeSurface(config);
  frame = plotFrame(fn, PLOT_MAX.width, PLOT_MAX.height);
  const grid = sampleGrid(backend, fn, 72);
  const canvas = $<HTMLCanvasElement>('heat');
  canvas.width = grid.nx;
  canvas.height = grid.ny;
  canvas.style.width = `${frame.width}px`;
  canvas.style.height = `${frame.height}px`;
  canvas.getContext('2d')!.putImageData(new ImageData(shading(grid), grid.nx, grid.ny), 0, 0);
  const svg = $<SVGSVGElement>('plot');
  svg.setAttribute('width', String(frame.width));
  svg.setAttribute('height', String(frame.height));
  svg.setAttribute('viewBox', `0 0 ${frame.width} ${frame.height}`);
  svg.replaceChildren();
  const contours = svgEl('g', { id: 'contours' });
  for (const ring of contourRings(grid, fn, 16)) contours.append(svgEl('path', { class: 'contour', d: `${pathD(ring.points, frame)}Z` }));
  svg.append(contours);
  const axis = svgEl('g', { id: 'axis' });
  for (const x of ticks(fn.xDomain[0], fn.xDomain[1], 7)) {
    const [px] = frame.toPx([x, fn.yDomain[0]]);
    axis.append(svgEl('text', { class: 'tick', x: px + 2, y: frame.height - 3 }, String(x)));
  }
  for (const y of ticks(fn.yDomain[0], fn.yDomain[1], 7)) {
    const [, py] = frame.toPx([fn.xDomain[0], y]);
    if (py > 12 && py < frame.height - 12) axis.append(svgEl('text', { class: 'tick', x: 3, y: py - 2 }, String(y)));
  }
  svg.append(axis);
  const [mx, my] = frame.toPx(fn.minimum);
  svg.append(
    svgEl('path', {
      id: 'minimum',
      d: `M${mx},${my - 7}L${mx + 7},${my}L${mx},${my + 7}L${mx - 7},${my}Z`,
      fill: 'white',
      stroke: 'black',
      'stroke-width': 1.2,
    }),
  );
  svg.append(svgEl('g', { id: 'paths' }));
  svg.append(svgEl('circle', { id: 'start', r: 7, fill: 'black', stroke: 'white', 'stroke-width': 2 }));
  $('plot-caption').textContent =
    `${fn.title}. ${fn.formula}. Shading and contours: log₁₀(f − f*); the white diamond marks the minimum${fn.minibatch ? '; each step sees a minibatch’s gradient, the loss shown is the full one' : ''}.`;
}

function drawRuns(): void {
  if (!runs) return;
  const [sx, sy] = frame.toPx(config.start);
  const start = document.getElementById('start')!;
  start.setAttribute('cx', sx.toFixed(1));
  start.setAttribute('cy', sy.toFixed(1));
  const g = document.getElementById('paths')!;
  g.replaceChildren();
  page.paths = [];
  runs.runs.forEach((r, i) => {
    const color = PALETTE[i % PALETTE.length];
    const pts = r.descent ? drawable(r.descent.points, fn) : [];
    const d = pathD(pts, frame);
    page.paths.push(d);
    g.append(svgEl('path', { class: 'run-path', 'data-run': i, d, stroke: color, 'stroke-width': strokeWidth(i) }));
    const end = pts[pts.length - 1];
    if (end && !r.descent?.diverged) {
      const [ex, ey] = frame.toPx(end);
      g.append(svgEl('rect', { x: ex - 4, y: ey - 4, width: 8, height: 8, fill: color, stroke: 'black', 'stroke-width': 0.8 }));
    }
  });
  drawLosses();
  page.summaries = runs.summaries();
  page.readouts = page.summaries.map(formatReadout);
  const body = $('readout').querySelector('tbody')!;
  body.replaceChildren(
    ...page.summaries.map((s, i) => {
      const tr = el('tr', { 'data-run': String(i) });
      const label = el('td', { class: 'label' });
      label.append(el('span', { class: 'swatch', style: `background:${PALETTE[i % PALETTE.length]}` }), s.label);
      const r = page.readouts[i];
      tr.append(
        label,
        el('td', { class: 'steps' }, r.steps),
        el('td', { class: 'loss' }, r.loss),
        el('td', { class: 'lr' }, r.lr),
        el('td', { class: 'where' }, r.where),
      );
      return tr;
    }),
  );
  runs.runs.forEach((r, i) => {
    const box = document.querySelector(`.run-card[data-run="${i}"] .error`);
    if (box) box.textContent = r.error ?? '';
  });
}

function drawLosses(): void {
  const svg = $<SVGSVGElement>('loss');
  svg.replaceChildren();
  const gaps = runs!.runs.map((r) => (r.descent ? r.descent.losses.map((l) => Math.max(l - fn.minValue, 1e-16)) : []));
  const firsts = gaps.filter((g) => g.length).map((g) => Math.log10(g[0]));
  const all = gaps.flat().map(Math.log10);
  if (!all.length) return;
  const hi = Math.ceil(Math.max(...firsts) + 1);
  const lo = Math.max(Math.floor(Math.min(...all)), hi - 16);
  const { width, height, margin } = LOSS_BOX;
  const every = Math.ceil((hi - lo) / 8);
  for (let p = lo; p <= hi; p += every) {
    const y = margin + ((height - 2 * margin) * (hi - p)) / (hi - lo || 1);
    svg.append(svgEl('line', { class: 'grid', x1: margin, x2: width - margin, y1: y, y2: y }));
    svg.append(svgEl('text', { class: 'tick', x: 2, y: y + 3 }, `1e${p}`));
  }
  for (const s of ticks(0, config.steps, 5)) {
    const x = margin + ((width - 2 * margin) * s) / Math.max(config.steps, 1);
    svg.append(svgEl('text', { class: 'tick', x: x - 6, y: height - margin + 14 }, String(s)));
  }
  svg.append(svgEl('text', { class: 'tick', x: width - margin - 24, y: height - 6 }, 'step'));
  gaps.forEach((g, i) => {
    const { d } = curvePath(g, LOSS_BOX, { lo, hi, steps: config.steps });
    svg.append(
      svgEl('path', { class: 'loss-curve', 'data-run': i, d, stroke: PALETTE[i % PALETTE.length], 'stroke-width': strokeWidth(i) }),
    );
  });
}

// ---- controls --------------------------------------------------------------------------------

/** The learning rate an optimizer gets on the current surface when added or when the surface changes. */
function tunedLr(spec: Pick<RunSpec, 'optimizer' | 'options'>, surface: TestFunction): number {
  const momentum = spec.optimizer === 'sgd' && Number(spec.options.momentum ?? 0) > 0;
  return lrFor(surface, momentum ? 'momentum' : spec.optimizer);
}

function buildSurfaceBar(): void {
  const surface = $<HTMLSelectElement>('surface');
  surface.replaceChildren(...SURFACES.map((s) => el('option', { value: s }, s)));
  surface.onchange = () => {
    const name = surface.value as PlaygroundConfig['surface'];
    const next = makeSurface({ ...config, surface: name });
    activePreset = undefined;
    showExplanation();
    setConfig(
      {
        ...config,
        surface: name,
        start: [...next.start],
        runs: config.runs.map((r) => ({ ...r, options: { ...r.options, lr: tunedLr(r, next) } })),
      },
      { controls: true },
    );
  };
  const kappa = $<HTMLInputElement>('kappa');
  kappa.oninput = () => {
    const k = Number((10 ** Number(kappa.value)).toPrecision(3));
    $('kappa-value').textContent = String(k);
    setConfig({ ...config, kappa: k });
  };
  kappa.onchange = () => buildControls();
  const noise = $<HTMLInputElement>('noise');
  noise.oninput = () => {
    $('noise-value').textContent = noise.value;
    setConfig({ ...config, noise: Number(noise.value) });
  };
  noise.onchange = () => buildControls();
  const steps = $<HTMLInputElement>('steps');
  steps.onchange = () => {
    const v = Number(steps.value);
    if (Number.isInteger(v) && v >= LIMITS.steps[0] && v <= LIMITS.steps[1]) setConfig({ ...config, steps: v });
    else steps.value = String(config.steps);
  };
  const add = $<HTMLSelectElement>('add-optimizer');
  add.replaceChildren(...listOptimizers().map((o) => el('option', { value: o.name, title: o.description }, o.name)));
  add.value = 'adam';
  $('add').onclick = () => {
    if (config.runs.length >= LIMITS.runs) return;
    const spec: RunSpec = {
      optimizer: add.value,
      options: { lr: tunedLr({ optimizer: add.value, options: {} }, fn) },
      schedule: 'constant',
      biasCorrection: true,
    };
    setConfig({ ...config, runs: [...config.runs, spec] }, { controls: true });
  };
}

/** Syncs the surface bar with the configuration and rebuilds the run cards. */
function buildControls(): void {
  $<HTMLSelectElement>('surface').value = config.surface;
  $<HTMLInputElement>('kappa').value = String(Math.log10(config.kappa));
  $('kappa-value').textContent = String(config.kappa);
  $('kappa-box').style.display = config.surface === 'ravine' ? '' : 'none';
  $<HTMLInputElement>('noise').value = String(config.noise);
  $('noise-value').textContent = String(config.noise);
  $('noise-box').style.display = config.surface === 'noisy' ? '' : 'none';
  $<HTMLInputElement>('steps').value = String(config.steps);
  $('add').toggleAttribute('disabled', config.runs.length >= LIMITS.runs);
  document
    .querySelectorAll<HTMLButtonElement>('#presets button')
    .forEach((b) => b.classList.toggle('active', b.dataset.preset === activePreset?.id));
  $('runs').replaceChildren(...config.runs.map((spec, i) => runCard(spec, i)));
}

function runCard(spec: RunSpec, i: number): HTMLElement {
  const card = el('div', { class: 'run-card', 'data-run': String(i), style: `border-top-color:${PALETTE[i % PALETTE.length]}` });
  const header = el('header');
  header.append(el('span', {}, spec.optimizer));
  const remove = el('button', { class: 'remove', type: 'button', title: 'remove this run' }, '✕');
  remove.onclick = () => setConfig({ ...config, runs: config.runs.filter((_, k) => k !== i) }, { controls: true });
  header.append(remove);
  card.append(header);
  let defaults: Readonly<Record<string, number | boolean>> = { lr: 0.01 };
  try {
    defaults = optimizerOptions(backend, spec.optimizer);
  } catch {
    // an unknown optimizer: the run reports the registry's error; only lr is editable
  }
  const values = { ...defaults, ...spec.options };
  for (const [name, value] of Object.entries(values)) card.append(optionRow(i, name, value));
  const sched = el('select', { class: 'schedule' });
  sched.append(...SCHEDULES.map((s) => el('option', { value: s, title: SCHEDULE_TEXT[s] }, s)));
  sched.value = spec.schedule;
  sched.onchange = () => updateRun(i, (r) => ({ ...r, schedule: sched.value as RunSpec['schedule'] }));
  const schedRow = el('label', { class: 'option' });
  schedRow.append(el('span', {}, 'schedule'), sched, el('span', { class: 'note' }, ''));
  card.append(schedRow);
  if (spec.optimizer === 'adam') {
    const bias = el('input', { type: 'checkbox', class: 'bias' });
    bias.checked = spec.biasCorrection;
    bias.onchange = () => updateRun(i, (r) => ({ ...r, biasCorrection: bias.checked }));
    const row = el('label', { class: 'option' });
    row.append(el('span', {}, 'bias correction'), bias, el('span', {}, ''));
    card.append(row);
  }
  card.append(el('div', { class: 'error' }));
  return card;
}

function optionRow(i: number, name: string, value: number | boolean): HTMLElement {
  const row = el('div', { class: 'option' });
  row.append(el('span', {}, name));
  const control = controlFor(name, value);
  const set = (v: number | boolean) => updateRun(i, (r) => ({ ...r, options: { ...r.options, [name]: v } }));
  if (control.kind === 'bool') {
    const box = el('input', { type: 'checkbox', 'data-option': name });
    box.checked = value as boolean;
    box.onchange = () => set(box.checked);
    row.append(box, el('span'));
    return row;
  }
  const field = el('input', { type: 'number', 'data-option': name, step: 'any' });
  field.value = String(value);
  if (control.kind === 'number') {
    field.onchange = () =>
      Number.isFinite(Number(field.value)) && field.value.trim() !== '' ? set(Number(field.value)) : (field.value = String(value));
    row.append(el('span'), field);
    return row;
  }
  const log = control.kind === 'log';
  const slider = el('input', {
    type: 'range',
    'data-option': name,
    min: String(control.min),
    max: String(control.max),
    step: String(control.step),
  });
  const toSlider = (v: number) => String(log ? (v > 0 ? Math.log10(v) : control.min) : v);
  slider.value = toSlider(value as number);
  slider.oninput = () => {
    const v = log ? Number((10 ** Number(slider.value)).toPrecision(3)) : Number(slider.value);
    field.value = String(v);
    set(v);
  };
  field.onchange = () => {
    const v = Number(field.value);
    if (field.value.trim() === '' || !Number.isFinite(v) || (name === 'lr' && !(v > 0))) {
      field.value = String(config.runs[i]?.options[name] ?? value);
      return;
    }
    slider.value = toSlider(v);
    set(v);
  };
  row.append(slider, field);
  return row;
}

function buildPresets(): void {
  $('presets').replaceChildren(
    ...PRESETS.map((p) => {
      const b = el('button', { type: 'button', id: `preset-${p.id}`, 'data-preset': p.id }, p.title);
      b.onclick = () => {
        activePreset = p;
        page.preset = p.id;
        showExplanation();
        setConfig(p.config, { controls: true });
      };
      return b;
    }),
  );
}

function showExplanation(): void {
  const box = $('explanation');
  box.replaceChildren();
  if (!activePreset) return;
  box.append(el('span', {}, activePreset.explanation));
  if (activePreset.runNotes) {
    const ul = el('ul');
    activePreset.runNotes.forEach((note, i) => {
      const li = el('li');
      li.append(el('span', { class: 'swatch', style: `background:${PALETTE[i % PALETTE.length]}` }), note);
      ul.append(li);
    });
    box.append(ul);
  }
}

/** Dragging on the plot moves the start; the runs restart from there at every move. */
function enableDrag(): void {
  const svg = $('plot');
  let dragging = false;
  const move = (e: PointerEvent) => {
    const box = svg.getBoundingClientRect();
    const [x, y] = frame.toXY(e.clientX - box.left, e.clientY - box.top);
    setConfig({ ...config, start: [round3(x), round3(y)] });
  };
  svg.addEventListener('pointerdown', (e) => {
    dragging = true;
    svg.setPointerCapture(e.pointerId);
    move(e);
  });
  svg.addEventListener('pointermove', (e) => {
    if (dragging) move(e);
  });
  const end = () => {
    dragging = false;
  };
  svg.addEventListener('pointerup', end);
  svg.addEventListener('pointercancel', end);
}

async function main(): Promise<void> {
  backend = await getBackend('cpu');
  $('backend-note').textContent =
    'Runs on @downhill/backend-cpu in float64, in this page: two parameters are too few for a GPU to pay for its round trips, and float64 makes these numbers those of a Node run of the same configuration (to the last bit or so: JavaScript engines round Math.exp and Math.pow differently there).';
  const { config: c, problems } = decodeConfig(location.search);
  page.problems = problems;
  $('problems').textContent = problems.length ? `Not understood in the address: ${problems.join('; ')}.` : '';
  buildPresets();
  buildSurfaceBar();
  enableDrag();
  setConfig(c, { controls: true });
}

main().catch((e: unknown) => {
  page.status = 'error';
  page.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  $('problems').textContent = `error: ${page.error}`;
  console.error(e);
});
