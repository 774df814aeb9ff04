import '@downhill/backend-webgpu/register';
import '@downhill/backend-cpu/register';
import { selectBackend } from '@downhill/backend';
import { cpuThreadsReady } from '@downhill/backend-cpu';
import { webgpuInfo } from '@downhill/backend-webgpu';
import { curvePath } from './curve.js';
import { train } from './train.js';

/** What the page exposes for its end-to-end test (and for curious readers in the console). */
interface PageState {
  status: 'choosing' | 'training' | 'done' | 'error';
  backend?: string;
  reason?: string;
  path?: string;
  losses: number[];
  /** Milliseconds since training started, at each loss read back. */
  times: number[];
  error?: string;
  /** backend-cpu's threads here (one where the page is not cross-origin isolated, with the reason). */
  cpuThreads?: { threads: number; cores: number; reason?: string; isolated: boolean };
}

const page: PageState = { status: 'choosing', losses: [], times: [] };
(globalThis as { __downhill?: PageState }).__downhill = page;

const $ = (id: string) => document.getElementById(id)!;
const BOX = { width: 640, height: 320, margin: 40 };

function draw(): void {
  const { d, lo, hi } = curvePath(page.losses, BOX);
  $('curve').setAttribute('d', d);
  $('hi').textContent = d ? `1e${hi.toFixed(1)}` : '';
  $('lo').textContent = d ? `1e${lo.toFixed(1)}` : '';
}

async function main(): Promise<void> {
  // ?backend=cpu forces a backend; otherwise the registry picks webgpu where an adapter exists.
  const query = new URLSearchParams(location.search);
  const name = query.get('backend') ?? undefined;
  const { backend, reason } = await selectBackend({ name, env: {} });
  page.backend = backend.name;
  page.reason = reason;
  if (backend.name === 'cpu') {
    const t = await cpuThreadsReady();
    page.cpuThreads = { ...t, isolated: globalThis.crossOriginIsolated === true };
  }
  const gpu = webgpuInfo(backend);
  $('backend').textContent = gpu ? `${backend.name}: ${gpu.adapter} through ${gpu.route}` : backend.name;
  $('reason').textContent = page.cpuThreads
    ? `${reason}; ${page.cpuThreads.threads} thread${page.cpuThreads.threads === 1 ? '' : 's'}${page.cpuThreads.reason ? ` (${page.cpuThreads.reason})` : ''}`
    : reason;
  page.status = 'training';
  const start = performance.now();
  let frame = 0;
  const { path } = await train(backend, {
    steps: Number(query.get('steps') ?? 300),
    onLoss: async (s, loss, p) => {
      page.losses.push(loss);
      page.times.push(performance.now() - start);
      page.path = p;
      $('status').textContent = `step ${s + 1}: loss ${loss.toExponential(3)} (${p === 'fused' ? 'fused Adam program' : 'composed Adam'})`;
      if (++frame % 10 === 0) {
        draw();
        await new Promise((r) => requestAnimationFrame(r)); // let the page paint
      }
    },
  });
  draw();
  page.path = path;
  page.status = 'done';
  const first = page.losses[0];
  const last = page.losses[page.losses.length - 1];
  $('status').textContent =
    `done: loss ${first.toExponential(3)} → ${last.toExponential(3)} in ${page.losses.length} steps on ${backend.name} (${path === 'fused' ? 'fused Adam program' : 'composed Adam'})`;
}

main().catch((e: unknown) => {
  page.status = 'error';
  page.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  $('status').textContent = `error: ${page.error}`;
  console.error(e);
});
