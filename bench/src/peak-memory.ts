/**
 * Child program (one process per configuration): the peak memory of an Adam run on one float32
 * parameter of n elements, against the 16 bytes per parameter that the parameter, its gradient and
 * Adam's two moments need (4 arrays × 4 bytes).
 *
 * What is measured (Linux): after the framework is loaded and warmed up on a 1000-element run, the
 * process is garbage-collected (`--expose-gc`) and its resident set size (RSS) taken as the
 * baseline; the kernel's peak-RSS counter (VmHWM) is then reset (`/proc/self/clear_refs`, 5), the
 * parameter, gradient and state are made on the device with fills (no host copies), `steps` Adam
 * steps run, and the peak is VmHWM. `process.memoryUsage()` (rss, arrayBuffers, external) is also
 * sampled after every step, and the largest deltas over the baseline are reported. RSS counts every
 * byte the process touched, whatever holds it (JS heap, ArrayBuffers, WebAssembly memories), so
 * `peakRssDelta / (16·n)` is the number compared with the goal of 1.1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { childConfig, emit } from './util.js';
import { downhillBackend, isDownhill, jaxWasm, tfjsOn, type ImplId } from './impls.js';

export interface MemoryConfig {
  readonly impl: ImplId;
  readonly n: number;
  readonly steps: number;
}

const LR = 1e-3;

/** Makes the parameter, gradient and state of n elements and returns one step. */
type Setup = (n: number) => Promise<{ step: () => unknown; dispose: () => void }>;

async function downhillSetup(impl: ImplId): Promise<Setup> {
  const b = await downhillBackend(impl);
  const o = await import('@downhill/optimizers');
  return async (n) => {
    const tx = o.adam(LR);
    let params: Record<string, import('@downhill/backend').Tensor> = { w: b.full([n], 0.5) };
    const grads = { w: b.full([n], 0.01) };
    let state = tx.init(params);
    return {
      step: () => {
        const r = o.step(tx, params, grads, state, { inPlace: true });
        params = r.params;
        state = r.state;
      },
      dispose: () => b.dispose([params, grads, o.stateTensors(state)]),
    };
  };
}

async function tfjsSetup(backend: 'cpu' | 'wasm'): Promise<Setup> {
  const tf = await tfjsOn(backend);
  return async (n) => {
    const opt = tf.train.adam(LR);
    const v = tf.variable(tf.fill([n], 0.5));
    const g = tf.fill([n], 0.01);
    return {
      step: () => opt.applyGradients([{ name: v.name, tensor: g }]),
      dispose: () => {
        opt.dispose();
        v.dispose();
        g.dispose();
      },
    };
  };
}

async function jaxSetup(): Promise<Setup> {
  const jax = await jaxWasm();
  const { numpy: np, jit, blockUntilReady } = jax;
  type A = InstanceType<typeof jax.Array>;
  const adam = jit((p: A, g: A, m: A, v: A, ic1: A, ic2: A) => {
    const m2 = m.mul(0.9).add(g.ref.mul(0.1));
    const v2 = v.mul(0.999).add(g.ref.mul(g).mul(0.001));
    return [
      p.sub(
        m2.ref
          .mul(ic1)
          .div(np.sqrt(v2.ref.mul(ic2)).add(1e-8))
          .mul(LR),
      ),
      m2,
      v2,
    ];
  });
  return async (n) => {
    let p: A = np.full([n], 0.5);
    const g: A = np.full([n], 0.01);
    let m: A = np.zeros([n]);
    let v: A = np.zeros([n]);
    let t = 0;
    return {
      step: async () => {
        t++;
        const out = adam(p, g.ref, m, v, 1 / (1 - 0.9 ** t), 1 / (1 - 0.999 ** t)) as A[];
        [p, m, v] = out;
        await blockUntilReady(out);
      },
      dispose: () => [p, g, m, v].forEach((a) => a.dispose()),
    };
  };
}

function vmHwm(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function resetHwm(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const cfg = childConfig<MemoryConfig>();
  const gc = (globalThis as { gc?: () => void }).gc;
  try {
    const setup = isDownhill(cfg.impl)
      ? await downhillSetup(cfg.impl)
      : cfg.impl === 'jax-js-wasm'
        ? await jaxSetup()
        : await tfjsSetup(cfg.impl === 'tfjs-cpu' ? 'cpu' : 'wasm');
    // warm up: code loaded, kernels compiled, small buffers made
    const warm = await setup(1000);
    for (let i = 0; i < 3; i++) await warm.step();
    warm.dispose();
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
    gc?.();
    const base = process.memoryUsage();
    const hwmReset = resetHwm();
    const peak = { rss: 0, arrayBuffers: 0, external: 0 };
    const sample = () => {
      const u = process.memoryUsage();
      peak.rss = Math.max(peak.rss, u.rss - base.rss);
      peak.arrayBuffers = Math.max(peak.arrayBuffers, u.arrayBuffers - base.arrayBuffers);
      peak.external = Math.max(peak.external, u.external - base.external);
    };
    const run = await setup(cfg.n);
    sample();
    for (let i = 0; i < cfg.steps; i++) {
      await run.step();
      sample();
    }
    const hwm = hwmReset ? vmHwm() : undefined;
    const minimum = 16 * cfg.n;
    const peakRssDelta = hwm !== undefined ? hwm - base.rss : peak.rss;
    emit({
      suite: 'memory',
      impl: cfg.impl,
      n: cfg.n,
      steps: cfg.steps,
      minimumBytes: minimum,
      peakRssDelta,
      peakRssSource: hwm !== undefined ? 'VmHWM' : 'sampled rss',
      sampledRssDelta: peak.rss,
      sampledArrayBuffersDelta: peak.arrayBuffers,
      sampledExternalDelta: peak.external,
      ratio: peakRssDelta / minimum,
      gcExposed: gc !== undefined,
    });
    run.dispose();
  } catch (e) {
    emit({ suite: 'memory', impl: cfg.impl, n: cfg.n, error: (e as Error).message });
  }
}

await main();
