/**
 * Child program: the time of one optimizer step (Adam, SGD with momentum 0.9, RMSProp) on one flat
 * float32 parameter of n elements with a fixed gradient, for one implementation. Prints one result
 * line per (optimizer, n).
 *
 *   downhill: `step(tx, params, grads, state, { inPlace: true })` (the update programs where the
 *             backend compiles them), on backend-cpu or backend-tfjs.
 *   tfjs:     `optimizer.applyGradients([{ name: v.name, tensor: g }])` on a `tf.Variable`, tf.train.adam /
 *             tf.train.momentum / tf.train.rmsprop.
 *   jax-js:   one jitted function per optimizer returning the new parameter and state (there is no
 *             optax package for jax-js on npm), awaited with `blockUntilReady`.
 *
 * A step that takes under 200 ms is timed interleaved with its floor (`measurePaired`): rounds of
 * the floor's probes on the step's threads (`floorSampler`) and of the step, alternating, in this
 * process; the record carries both medians over the rounds (`median`, `rooflineMedianMs`,
 * `floorMedianMs`), and the report divides one by the other. Slower steps are timed alone and
 * compared with the floors the parent measures.
 */
import { closeFloorProbe, floorSampler } from './bandwidth.js';
import { childConfig, emit, measure, measurePaired, randomF32, warmUp, type MeasureOptions } from './util.js';
import { downhillBackend, isDownhill, jaxWasm, tfjsOn, type ImplId } from './impls.js';

export type OptimizerName = 'adam' | 'sgdMomentum' | 'rmsprop';

export interface OptimizerConfig {
  readonly impl: ImplId;
  readonly sizes: readonly number[];
  readonly optimizers: readonly OptimizerName[];
  readonly budgetMs: number;
}

const LR = 1e-3;

/** Builds a step closure for one (optimizer, n); `dispose` frees what it made. */
type Runner = { step: () => unknown; check: () => Promise<number>; dispose: () => void; threads?: number };

async function downhillRunner(impl: ImplId): Promise<(opt: OptimizerName, n: number) => Promise<Runner>> {
  const b = await downhillBackend(impl);
  const o = await import('@downhill/optimizers');
  // the threads a backend-cpu step runs on (its default: the cores, at most 8), for the floor it is compared with
  const threads = impl === 'downhill-cpu' ? (await (await import('@downhill/backend-cpu')).cpuThreadsReady()).threads : 1;
  return async (opt, n) => {
    const tx = opt === 'adam' ? o.adam(LR) : opt === 'sgdMomentum' ? o.sgd(LR, { momentum: 0.9 }) : o.rmsprop(LR);
    let params: Record<string, import('@downhill/backend').Tensor> = { w: b.tensor(randomF32(n, 1), [n]) };
    const grads = { w: b.tensor(randomF32(n, 2, 1e-2), [n]) };
    let state = tx.init(params);
    let path = '';
    return {
      threads,
      step: () => {
        const r = o.step(tx, params, grads, state, { inPlace: true });
        params = r.params as typeof params;
        state = r.state;
        path = r.path;
      },
      check: async () => {
        if (path !== 'fused' && b.capabilities.programs)
          throw new Error(`${impl}: the ${opt} step took the ${path} path on a backend that compiles programs`);
        return (await params.w.read())[0];
      },
      dispose: () => b.dispose([params as never, grads as never, o.stateTensors(state) as never]),
    };
  };
}

async function tfjsRunner(backend: 'cpu' | 'wasm'): Promise<(opt: OptimizerName, n: number) => Promise<Runner>> {
  const tf = await tfjsOn(backend);
  return async (opt, n) => {
    const optimizer = opt === 'adam' ? tf.train.adam(LR) : opt === 'sgdMomentum' ? tf.train.momentum(LR, 0.9) : tf.train.rmsprop(LR);
    const v = tf.variable(tf.tensor1d(randomF32(n, 1)));
    const g = tf.tensor1d(randomF32(n, 2, 1e-2));
    return {
      step: () => optimizer.applyGradients([{ name: v.name, tensor: g }]),
      check: async () => (await v.data())[0],
      dispose: () => {
        optimizer.dispose();
        v.dispose();
        g.dispose();
      },
    };
  };
}

async function jaxRunner(): Promise<(opt: OptimizerName, n: number) => Promise<Runner>> {
  const jax = await jaxWasm();
  const { numpy: np, jit, blockUntilReady } = jax;
  type A = InstanceType<typeof jax.Array>;
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  // Ownership follows jax-js: every argument is consumed; `.ref` keeps a second use alive.
  const adam = jit((p: A, g: A, m: A, v: A, ic1: A, ic2: A) => {
    const m2 = m.mul(b1).add(g.ref.mul(1 - b1));
    const v2 = v.mul(b2).add(g.ref.mul(g).mul(1 - b2));
    const upd = m2.ref.mul(ic1).div(np.sqrt(v2.ref.mul(ic2)).add(eps));
    return [p.sub(upd.mul(LR)), m2, v2];
  });
  const momentum = jit((p: A, g: A, buf: A) => {
    const b = buf.mul(0.9).add(g);
    return [p.sub(b.ref.mul(LR)), b];
  });
  const rmsprop = jit((p: A, g: A, nu: A) => {
    const nu2 = nu.mul(0.9).add(g.ref.mul(g.ref).mul(0.1));
    return [p.sub(g.div(np.sqrt(nu2.ref).add(1e-8)).mul(LR)), nu2];
  });
  return async (opt, n) => {
    let p: A = np.array(randomF32(n, 1));
    const g: A = np.array(randomF32(n, 2, 1e-2));
    let state: A[] = opt === 'adam' ? [np.zeros([n]), np.zeros([n])] : [np.zeros([n])];
    let t = 0;
    return {
      step: async () => {
        t++;
        let out: A[];
        if (opt === 'adam') out = adam(p, g.ref, state[0], state[1], 1 / (1 - b1 ** t), 1 / (1 - b2 ** t)) as A[];
        else if (opt === 'sgdMomentum') out = momentum(p, g.ref, state[0]) as A[];
        else out = rmsprop(p, g.ref, state[0]) as A[];
        [p, ...state] = out;
        await blockUntilReady(out);
      },
      check: async () => (await p.ref.data())[0],
      dispose: () => {
        p.dispose();
        g.dispose();
        for (const s of state) s.dispose();
      },
    };
  };
}

async function main(): Promise<void> {
  const cfg = childConfig<OptimizerConfig>();
  const make = isDownhill(cfg.impl)
    ? await downhillRunner(cfg.impl)
    : cfg.impl === 'jax-js-wasm'
      ? await jaxRunner()
      : await tfjsRunner(cfg.impl === 'tfjs-cpu' ? 'cpu' : 'wasm');
  for (const n of cfg.sizes) {
    for (const opt of cfg.optimizers) {
      const r = await make(opt, n);
      try {
        // slow configurations get fewer runs
        await r.step(); // compilation, state creation
        const t0 = performance.now();
        await r.step();
        const first = performance.now() - t0;
        // the step's steady time, for the size of an interleaved round: the first steps are still
        // cold (the JIT tiers up, compiling on background threads that take a core from
        // backend-cpu's worker; the step cache checks its replays before it goes steady), so they
        // run untimed first, for STEADY_WARMUP_MS (at 1e5, the first size, the Adam step's median
        // on 2 threads was 1.3–1.9× the roofline after 50 ms of warm-up and 0.9× after 1.5 s)
        let steady = first;
        if (first < 200) {
          await warmUp(r.step, 30);
          for (let i = 0; i < 5; i++) {
            const t = performance.now();
            await r.step();
            steady = Math.min(steady, performance.now() - t);
          }
        }
        // seconds per step (TensorFlow.js's cpu backend at 1e7): the timed step above is the sample
        const options: MeasureOptions =
          first > 400
            ? { warmup: 0, minReps: 3, maxReps: 3 }
            : { warmup: first < 5 ? 20 : 5, minReps: 7, maxReps: 400, budgetMs: cfg.budgetMs };
        const threads = r.threads ?? 1;
        const timing =
          first > 2000
            ? { median: first, min: first, max: first, reps: 1 }
            : first < 200
              ? await measurePaired(r.step, await floorSampler(opt, n, threads), {
                  // a round's timed runs: about 2 ms of steps, 3 to 25 runs
                  runs: Math.max(3, Math.min(25, Math.round(2 / Math.max(steady, 1e-3)))),
                  budgetMs: cfg.budgetMs,
                  // backend-cpu's workers spin for 1 ms after a job: let them block before the probes run
                  settleMs: threads > 1 ? 3 : 0,
                })
              : await measure(r.step, options);
        const value = await r.check();
        if (!Number.isFinite(value)) throw new Error(`the parameter became ${value}`);
        emit({ suite: 'optimizer', impl: cfg.impl, optimizer: opt, n, threads, ...timing });
      } catch (e) {
        emit({ suite: 'optimizer', impl: cfg.impl, optimizer: opt, n, error: (e as Error).message });
      } finally {
        r.dispose();
      }
    }
  }
}

await main();
await closeFloorProbe();
