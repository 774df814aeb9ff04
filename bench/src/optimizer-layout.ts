/**
 * Child program: one Adam step over the parameters of an MLP 784-512-256-10 (six tensors: three
 * weight matrices and three biases, 535,818 float32 values; three layers have six tensors, not eight) against one step over a single tensor
 * of the same total size, with downhill's `step(..., { inPlace: true })`. The ratio is what many
 * tensors cost over one: per-tensor bookkeeping and crossings into the kernels. Prints one result
 * line per layout (the plugin against a built-in is `plugin-step.ts`). The two are timed
 * interleaved, in rounds of ten steps each (`measureInterleaved`).
 */
import { downhillBackend, type ImplId } from './impls.js';
import { MLP_SHAPES, randomParamsAndGrads, totalSize } from './optimizer-trees.js';
import { childConfig, emit, measureInterleaved } from './util.js';

export interface LayoutConfig {
  readonly impl: ImplId;
  readonly budgetMs: number;
}

async function main(): Promise<void> {
  const cfg = childConfig<LayoutConfig>();
  const b = await downhillBackend(cfg.impl);
  const o = await import('@downhill/optimizers');
  const total = totalSize(MLP_SHAPES);
  const cases: [string, string, readonly (readonly number[])[]][] = [
    ['adam', 'mlp', MLP_SHAPES],
    ['adam', 'flat', [[total]]],
  ];
  // both layouts live at once and are timed interleaved (`measureInterleaved`): timed one after
  // the other, the first took the JIT's tier-up and the machine's busy moments alone
  const runs = cases.map(([, , shapes]) => {
    const tx = o.adam(1e-3);
    let { params, grads } = randomParamsAndGrads(b, shapes);
    let state = tx.init(params);
    const run = {
      path: '',
      step: () => {
        const r = o.step(tx, params, grads, state, { inPlace: true });
        params = r.params;
        state = r.state;
        run.path = r.path;
      },
      first: async () => (await params.t0.read())[0],
      dispose: () => b.dispose([params, grads, o.stateTensors(state)]),
    };
    return run;
  });
  try {
    const timings = await measureInterleaved(
      runs.map((r) => r.step),
      { budgetMs: cfg.budgetMs },
    );
    for (const [k, [optimizer, layout, shapes]] of cases.entries()) {
      const value = await runs[k].first();
      if (!Number.isFinite(value)) throw new Error(`the parameter became ${value}`);
      emit({
        suite: 'optimizer-layout',
        impl: cfg.impl,
        optimizer,
        layout,
        tensors: shapes.length,
        n: total,
        path: runs[k].path,
        ...timings[k],
      });
    }
  } catch (e) {
    for (const [optimizer, layout, shapes] of cases)
      emit({ suite: 'optimizer-layout', impl: cfg.impl, optimizer, layout, tensors: shapes.length, n: total, error: (e as Error).message });
  } finally {
    for (const r of runs) r.dispose();
  }
}

await main();
