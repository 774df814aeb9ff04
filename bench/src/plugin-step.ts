/**
 * Child program: the QHAdam example plugin (`examples/plugin-qhadam`, written with the public
 * API only, no kernel of its own) against the built-in Adam, one in-place step on one flat float32
 * parameter of n elements, on one downhill backend. Both run as update programs where the backend
 * compiles them, so the ratio is what being a plugin costs. Prints one result line per
 * (optimizer, n).
 */
import type { Tensor } from '@downhill/backend';
import { downhillBackend, type ImplId } from './impls.js';
import { childConfig, emit, measure, randomF32 } from './util.js';

export interface PluginConfig {
  readonly impl: ImplId;
  readonly sizes: readonly number[];
  readonly budgetMs: number;
}

async function main(): Promise<void> {
  const cfg = childConfig<PluginConfig>();
  const b = await downhillBackend(cfg.impl);
  const o = await import('@downhill/optimizers');
  const { qhadam } = await import('downhill-example-plugin-qhadam');
  for (const n of cfg.sizes) {
    // Interleaved, so that a busy moment of the machine falls on both.
    for (const [optimizer, make] of [
      ['adam', () => o.adam(1e-3)],
      ['qhadam', () => qhadam(1e-3)],
      ['adam', () => o.adam(1e-3)],
      ['qhadam', () => qhadam(1e-3)],
    ] as const) {
      const tx = make();
      let params: Record<string, Tensor> = { w: b.tensor(randomF32(n, 1), [n]) };
      const grads = { w: b.tensor(randomF32(n, 2, 1e-2), [n]) };
      let state = tx.init(params);
      let path = '';
      const step = () => {
        const r = o.step(tx, params, grads, state, { inPlace: true });
        params = r.params as typeof params;
        state = r.state;
        path = r.path;
      };
      try {
        const timing = await measure(step, { warmup: 20, minReps: 15, maxReps: 2000, budgetMs: cfg.budgetMs });
        const value = (await params.w.read())[0];
        if (!Number.isFinite(value)) throw new Error(`the parameter became ${value}`);
        emit({ suite: 'plugin-step', impl: cfg.impl, optimizer, n, path, ...timing });
      } catch (e) {
        emit({ suite: 'plugin-step', impl: cfg.impl, optimizer, n, error: (e as Error).message });
      } finally {
        b.dispose([params as never, grads as never, o.stateTensors(state) as never]);
      }
    }
  }
}

await main();
