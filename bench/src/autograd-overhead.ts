/**
 * Child program: the overhead of differentiation on a graph of many small operations. The function
 * is a chain of `blocks` blocks `x ← tanh(x·1.01 + 0.1)` (three elementwise ops each) on a vector of
 * 16 float32 values, then `sum`; one run is forward and backward (value and gradient). With 16
 * elements the arithmetic is negligible, so the time per op is the framework's own cost: recording,
 * dispatch, checks, allocation, the backward rules.
 *
 *   downhill: `valueAndGrad(f)(x)`.
 *   tfjs:     `tf.valueAndGrad(f)(x)` inside `tf.tidy` (the same thing as `tf.grads` plus the value).
 *   jax-js:   `valueAndGrad(f)(x)` eagerly. Not under `jit`: compiling the gradient of this chain is
 *             impractical here (at 20 blocks, one compilation took over a minute and 2 GB of memory),
 *             and a compiled chain measures one fused kernel, not per-op overhead.
 */
import { childConfig, emit, measure, randomF32 } from './util.js';
import { downhillBackend, isDownhill, jaxWasm, tfjsOn, type ImplId } from './impls.js';

export interface AutogradConfig {
  readonly impl: ImplId;
  readonly blocks: number;
  readonly budgetMs: number;
}

const SIZE = 16;

async function downhillRun(impl: ImplId, blocks: number): Promise<() => unknown> {
  const b = await downhillBackend(impl);
  const { ops, valueAndGrad } = await import('@downhill/autograd');
  type T = import('@downhill/autograd').TensorLike;
  const f = (x: T): T => {
    for (let i = 0; i < blocks; i++) x = ops.tanh(ops.add(ops.mul(x, 1.01), 0.1));
    return ops.sum(x);
  };
  const vg = valueAndGrad(f);
  const x = b.tensor(randomF32(SIZE, 3), [SIZE]);
  return () => {
    const [v, g] = vg(x);
    b.dispose([v, g]);
  };
}

async function tfjsRun(backend: 'cpu' | 'wasm', blocks: number): Promise<() => unknown> {
  const tf = await tfjsOn(backend);
  type T = import('@tensorflow/tfjs').Tensor;
  const f = (x: T): import('@tensorflow/tfjs').Scalar => {
    for (let i = 0; i < blocks; i++) x = tf.tanh(x.mul(1.01).add(0.1));
    return x.sum();
  };
  const vg = tf.valueAndGrad(f);
  const x = tf.tensor1d(randomF32(SIZE, 3));
  return () => tf.tidy(() => vg(x).grad);
}

async function jaxRun(blocks: number): Promise<() => unknown> {
  const jax = await jaxWasm();
  const { numpy: np, valueAndGrad, blockUntilReady } = jax;
  type A = InstanceType<typeof jax.Array>;
  const f = (x: A): A => {
    for (let i = 0; i < blocks; i++) x = np.tanh(x.mul(1.01).add(0.1));
    return x.sum();
  };
  const vg = valueAndGrad(f);
  const x: A = np.array(randomF32(SIZE, 3));
  return async () => {
    const out = vg(x.ref) as unknown as [A, A];
    await blockUntilReady(out);
    out[0].dispose();
    out[1].dispose();
  };
}

async function main(): Promise<void> {
  const cfg = childConfig<AutogradConfig>();
  const variants: [string, () => Promise<() => unknown>][] = isDownhill(cfg.impl)
    ? [[cfg.impl, () => downhillRun(cfg.impl, cfg.blocks)]]
    : cfg.impl === 'jax-js-wasm'
      ? [['jax-js-wasm-eager', () => jaxRun(cfg.blocks)]]
      : [[cfg.impl, () => tfjsRun(cfg.impl === 'tfjs-cpu' ? 'cpu' : 'wasm', cfg.blocks)]];
  for (const [name, make] of variants) {
    try {
      const run = await make();
      // jax-js eager takes about a second per run here (and grows its memory run by run): few runs
      const slow = name.startsWith('jax-js');
      const timing = await measure(
        run,
        slow ? { warmup: 1, minReps: 3, maxReps: 3 } : { warmup: 5, minReps: 10, maxReps: 500, budgetMs: cfg.budgetMs },
      );
      const ops = 3 * cfg.blocks + 1;
      emit({ suite: 'autograd', impl: name, blocks: cfg.blocks, ops, usPerOp: (timing.median * 1000) / ops, ...timing });
    } catch (e) {
      emit({ suite: 'autograd', impl: name, blocks: cfg.blocks, error: (e as Error).message });
    }
  }
}

await main();
