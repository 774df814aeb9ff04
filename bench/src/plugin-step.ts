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
import { childConfig, emit, measureInterleaved, randomF32 } from './util.js';

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
    // All four alive at once and timed in alternating rounds after the same warm-up
    // (`measureInterleaved`), so that a busy moment of the machine, or the JIT compiling on a
    // background thread, falls on each of them alike.
    const made = (
      [
        ['adam', () => o.adam(1e-3)],
        ['adabelief-plugin', () => adabeliefPlugin(1e-3)],
        ['adabelief', () => o.adabelief(1e-3)],
        ['qhadam', () => qhadam(1e-3)],
      ] as const
    ).map(([optimizer, make]) => {
      const tx = make();
      let params: Record<string, Tensor> = { w: b.tensor(randomF32(n, 1), [n]) };
      const grads = { w: b.tensor(randomF32(n, 2, 1e-2), [n]) };
      let state = tx.init(params);
      let path = '';
      return {
        optimizer,
        path: () => path,
        step: () => {
          const r = o.step(tx, params, grads, state, { inPlace: true });
          params = r.params as typeof params;
          state = r.state;
          path = r.path;
        },
        first: async () => (await params.w.read())[0],
        dispose: () => b.dispose([params as never, grads as never, o.stateTensors(state) as never]),
      };
    });
    try {
      const timings = await measureInterleaved(
        made.map((m) => m.step),
        { runs: 10, budgetMs: cfg.budgetMs },
      );
      for (const [k, m] of made.entries()) {
        const value = await m.first();
        if (!Number.isFinite(value)) throw new Error(`${m.optimizer}: the parameter became ${value}`);
        emit({ suite: 'plugin-step', impl: cfg.impl, optimizer: m.optimizer, n, path: m.path(), ...timings[k] });
      }
    } catch (e) {
      for (const m of made) emit({ suite: 'plugin-step', impl: cfg.impl, optimizer: m.optimizer, n, error: (e as Error).message });
    } finally {
      for (const m of made) m.dispose();
    }
  }
}

await main();
