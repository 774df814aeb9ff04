/**
 * Child program: AdaBelief written as a plugin through the public API only
 * (`./plugins/adabelief-plugin.ts`, as docs/plugins.md tells plugin authors) against the built-in
 * Adam and the built-in AdaBelief, one in-place step on one flat float32 parameter of n elements,
 * on one downhill backend. All run as update programs where the backend compiles them, so
 * plugin / built-in AdaBelief is what being a plugin costs, and plugin / built-in Adam is the
 * acceptance figure (AdaBelief does a subtraction and a square more than Adam). The QHAdam example
 * plugin (`examples/plugin-qhadam`, more arithmetic than Adam) stays as a labelled extra row.
 * Prints one result line per (optimizer, n).
 */
import type { Tensor } from '@downhill/backend';
import { downhillBackend, type ImplId } from './impls.js';
import { adabeliefPlugin } from './plugins/adabelief-plugin.js';
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
    const round = [
      ['adam', () => o.adam(1e-3)],
      ['adabelief-plugin', () => adabeliefPlugin(1e-3)],
      ['adabelief', () => o.adabelief(1e-3)],
      ['qhadam', () => qhadam(1e-3)],
    ] as const;
    for (const [optimizer, make] of [...round, ...round]) {
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
