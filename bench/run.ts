/**
 * `pnpm bench [--quick] [--only=optimizer,mlp,autograd,memory,conv,cnn,threads]`: runs downhill against TensorFlow.js
 * and jax-js on this machine, each configuration in its own child process. A full run writes
 * `bench/results/latest.json` and `docs/benchmarks.md`; a quick or partial one writes
 * `bench/results/quick.json` and `bench/results/quick.md` instead.
 *
 * Full: optimizer steps (Adam, SGD momentum, RMSProp at 1e5, 1e6, 1e7 parameters) with a measured
 * bandwidth floor, MLP training throughput, autograd overhead, peak memory at 1e7 (under 15 minutes
 * here). `--quick`: Adam at 1e6, a shorter MLP run of the main contenders, one autograd size, peak
 * memory at 1e6 (under 2 minutes). `--impls=downhill-cpu,tfjs-wasm` and `--optimizers=adam` narrow a
 * run (to a partial record) on a busy machine.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeFloorProbe, measureFloor, prepareFloorProbe, type Floor } from './src/bandwidth.js';
import { implEnv, type ImplId } from './src/impls.js';
import { renderReport, spliceThreadsSection, type Results } from './src/report.js';
import { RESULT_MARK, machineInfo, packageVersion } from './src/util.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const wants = (suite: string) => !only || only.includes(suite);
const implsArg = args
  .find((a) => a.startsWith('--impls='))
  ?.slice(8)
  .split(',');
const optimizersArg = args
  .find((a) => a.startsWith('--optimizers='))
  ?.slice(13)
  .split(',');

const ALL_DOWNHILL: ImplId[] = ['downhill-cpu', 'downhill-cpu-js', 'downhill-tfjs-cpu', 'downhill-tfjs-wasm'];
const PEERS: ImplId[] = ['tfjs-cpu', 'tfjs-wasm', 'jax-js-wasm'];

const plan = quick
  ? {
      sizes: [1e6],
      optimizers: ['adam'],
      optimizerImpls: [...ALL_DOWNHILL, ...PEERS],
      optimizerBudgetMs: 600,
      mlpImpls: ['downhill-cpu', 'tfjs-wasm', 'tfjs-layers-wasm', 'jax-js-wasm'] as ImplId[],
      mlpBudgetMs: 1500,
      autogradImpls: ['downhill-cpu', 'tfjs-cpu', 'tfjs-wasm'] as ImplId[],
      autogradBlocks: 100,
      autogradBudgetMs: 800,
      memoryImpls: ['downhill-cpu', 'tfjs-wasm', 'jax-js-wasm'] as ImplId[],
      memoryN: 1e6,
      memorySteps: 3,
      convBudgetMs: 600,
      cnnImpls: ['downhill-cpu', 'tfjs-layers-wasm'] as ImplId[],
      cnnBudgetMs: 3000,
      threadsBudgetMs: 3000,
    }
  : {
      sizes: [1e5, 1e6, 1e7],
      optimizers: ['adam', 'sgdMomentum', 'rmsprop'],
      optimizerImpls: [...ALL_DOWNHILL, ...PEERS],
      optimizerBudgetMs: 1500,
      mlpImpls: [
        'downhill-cpu',
        'downhill-cpu-1t',
        ...ALL_DOWNHILL.slice(1),
        'tfjs-cpu',
        'tfjs-wasm',
        'tfjs-layers-cpu',
        'tfjs-layers-wasm',
        'jax-js-wasm',
      ] as ImplId[],
      mlpBudgetMs: 5000,
      autogradImpls: ['downhill-cpu', 'downhill-cpu-js', 'downhill-tfjs-cpu', 'tfjs-cpu', 'tfjs-wasm', 'jax-js-wasm'] as ImplId[],
      autogradBlocks: 100,
      autogradBudgetMs: 2500,
      memoryImpls: ['downhill-cpu', 'downhill-tfjs-cpu', 'downhill-tfjs-wasm', 'tfjs-cpu', 'tfjs-wasm', 'jax-js-wasm'] as ImplId[],
      memoryN: 1e7,
      memorySteps: 5,
      convBudgetMs: 1500,
      cnnImpls: ['downhill-cpu', 'tfjs-layers-cpu', 'tfjs-layers-wasm'] as ImplId[],
      cnnBudgetMs: 8000,
      threadsBudgetMs: 6000,
    };
if (implsArg) {
  const keep = (ids: ImplId[]) => ids.filter((id) => implsArg.includes(id));
  plan.optimizerImpls = keep(plan.optimizerImpls);
  plan.mlpImpls = keep(plan.mlpImpls);
  plan.cnnImpls = keep(plan.cnnImpls);
  plan.autogradImpls = keep(plan.autogradImpls);
  plan.memoryImpls = keep(plan.memoryImpls);
}
if (optimizersArg) plan.optimizers = plan.optimizers.filter((o) => optimizersArg.includes(o));

/** Runs one child program; resolves to its result records (an error record when it crashed). */
function child(
  script: string,
  config: Record<string, unknown>,
  extraEnv: Record<string, string>,
  nodeFlags: string[] = [],
  timeoutMs = 300_000,
): Promise<Record<string, unknown>[]> {
  return new Promise((resolve) => {
    const started = performance.now();
    const proc = spawn(
      process.execPath,
      [...nodeFlags, '--conditions=source', '--import', 'tsx', join(here, 'src', script), JSON.stringify(config)],
      {
        cwd: root,
        env: { ...process.env, ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('close', (code) => {
      clearTimeout(timer);
      const records = out
        .split('\n')
        .filter((l) => l.startsWith(RESULT_MARK))
        .map((l) => JSON.parse(l.slice(RESULT_MARK.length)) as Record<string, unknown>);
      if (code !== 0 && records.length === 0) {
        records.push({
          suite: script.replace('.ts', ''),
          impl: config.impl,
          error: `exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`,
        });
      }
      const secs = ((performance.now() - started) / 1000).toFixed(1);
      console.log(
        `  ${script} ${String(config.impl)}: ${records.length} result(s) in ${secs} s${records.some((r) => r.error) ? ' (with errors)' : ''}`,
      );
      resolve(records);
    });
  });
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const results: Results = {
    quick,
    date: new Date().toISOString(),
    command: `pnpm bench${args.length ? ` ${args.join(' ')}` : ''}`,
    machine: machineInfo(),
    versions: {
      '@downhill/backend-cpu': packageVersion('@downhill/backend-cpu') ?? '?',
      '@downhill/optimizers': packageVersion('@downhill/optimizers') ?? '?',
      '@downhill/autograd': packageVersion('@downhill/autograd') ?? '?',
      '@tensorflow/tfjs': packageVersion('@tensorflow/tfjs') ?? '?',
      '@tensorflow/tfjs-backend-wasm': packageVersion('@tensorflow/tfjs-backend-wasm') ?? '?',
      '@jax-js/jax': packageVersion('@jax-js/jax') ?? '?',
    },
    floors: [],
    records: [],
  };
  console.log(
    `downhill benchmarks${quick ? ' (quick)' : ''} on ${results.machine.cpu}, ${results.machine.logicalCores} logical cores, Node ${results.machine.node}`,
  );

  // The floor of each (optimizer, n, threads): best of two passes, one before and one after the
  // optimizer runs, so that a busy moment of this shared machine does not set it. Measured on one
  // thread (the single-threaded peers) and on the threads a downhill-cpu step uses.
  const floors = new Map<string, Floor>();
  let floorThreads: number[] = [1];
  const measureFloors = async () => {
    for (const n of plan.sizes) {
      for (const o of plan.optimizers) {
        for (const threads of floorThreads) {
          const f = await measureFloor(o as Floor['optimizer'], n, threads);
          const key = `${o}/${n}/${threads}`;
          const prev = floors.get(key);
          if (!prev) floors.set(key, f);
          else {
            // the best of each probe over both passes
            const bw = f.floorMs < prev.floorMs ? f : prev;
            const arithMs = Math.min(prev.arithMs, f.arithMs);
            const hand = f.handMs === undefined || prev.handMs === undefined ? {} : { handMs: Math.min(prev.handMs, f.handMs) };
            floors.set(key, { ...bw, arithMs, rooflineMs: Math.max(bw.floorMs, arithMs), ...hand });
          }
        }
      }
    }
  };
  if (wants('optimizer')) {
    if (plan.optimizerImpls.includes('downhill-cpu')) {
      const { cpuThreadsReady, terminateCpuThreads } = await import('@downhill/backend-cpu');
      const { threads } = await cpuThreadsReady();
      await terminateCpuThreads();
      if (threads > 1) floorThreads = [1, threads];
    }
    await prepareFloorProbe(Math.max(...plan.sizes), Math.max(...floorThreads));
  }
  if (wants('optimizer')) await measureFloors();

  if (wants('optimizer')) {
    console.log('optimizer steps');
    for (const impl of plan.optimizerImpls) {
      results.records.push(
        ...(await child(
          'optimizer-step.ts',
          { impl, sizes: plan.sizes, optimizers: plan.optimizers, budgetMs: plan.optimizerBudgetMs },
          implEnv(impl),
        )),
      );
    }
    // many tensors against one: an Adam step over an MLP's six parameters and over one tensor as large
    if (plan.optimizerImpls.includes('downhill-cpu')) {
      results.records.push(
        ...(await child('optimizer-layout.ts', { impl: 'downhill-cpu', budgetMs: plan.optimizerBudgetMs * 2 }, implEnv('downhill-cpu'))),
      );
      // a plugin against a built-in: AdaBelief as a plugin against built-in Adam and AdaBelief (and the QHAdam example), all as update programs
      results.records.push(
        ...(await child(
          'plugin-step.ts',
          { impl: 'downhill-cpu', sizes: plan.sizes.filter((n) => n <= 1e6), budgetMs: plan.optimizerBudgetMs },
          implEnv('downhill-cpu'),
        )),
      );
    }
    await measureFloors();
    await closeFloorProbe();
    results.floors = [...floors.values()];
  }
  if (wants('mlp')) {
    console.log('MLP 784-256-10 training');
    for (const impl of plan.mlpImpls) results.records.push(...(await child('mlp.ts', { impl, budgetMs: plan.mlpBudgetMs }, implEnv(impl))));
  }
  if (wants('autograd')) {
    console.log('autograd overhead');
    for (const impl of plan.autogradImpls) {
      results.records.push(
        ...(await child('autograd-overhead.ts', { impl, blocks: plan.autogradBlocks, budgetMs: plan.autogradBudgetMs }, implEnv(impl))),
      );
    }
  }
  if (wants('conv') && (!implsArg || implsArg.includes('downhill-cpu'))) {
    console.log('convolution against GEMM (backend-cpu)');
    results.records.push(...(await child('conv.ts', { impl: 'downhill-cpu', budgetMs: plan.convBudgetMs }, implEnv('downhill-cpu'))));
  }
  if (wants('cnn')) {
    console.log("MNIST CNN training (the example's --model cnn)");
    for (const impl of plan.cnnImpls) results.records.push(...(await child('cnn.ts', { impl, budgetMs: plan.cnnBudgetMs }, implEnv(impl))));
  }
  if (wants('memory')) {
    console.log(`peak memory, Adam at ${plan.memoryN.toExponential(0)} parameters`);
    for (const impl of plan.memoryImpls) {
      results.records.push(
        ...(await child('peak-memory.ts', { impl, n: plan.memoryN, steps: plan.memorySteps }, implEnv(impl), ['--expose-gc'])),
      );
    }
  }
  if (wants('threads')) {
    // threads against one thread in one process, interleaved; jax-js's jit on the MLP before and
    // after, in processes of its own
    console.log('backend-cpu threads');
    const jax = async (round: number) => {
      for (const r of await child('mlp.ts', { impl: 'jax-js-wasm', budgetMs: plan.mlpBudgetMs }, implEnv('jax-js-wasm')))
        results.records.push({ ...r, suite: 'threads-mlp', round });
    };
    await jax(0);
    results.records.push(...(await child('threads.ts', { impl: 'downhill-cpu', budgetMs: plan.threadsBudgetMs, adamN: 1e7 }, {})));
    await jax(1);
  }
  results.machine.loadAverage1mAtEnd = Number((await import('node:os')).loadavg()[0].toFixed(2));
  results.seconds = Math.round((performance.now() - t0) / 1000);

  // A full run updates the committed record (results/latest.json, docs/benchmarks.md); a quick run
  // writes results/quick.json and results/quick.md (ignored by git) and leaves the record alone.
  const outDir = join(here, 'results');
  mkdirSync(outDir, { recursive: true });
  const md = renderReport(results);
  const partial = quick || only !== undefined || implsArg !== undefined || optimizersArg !== undefined;
  // a run of the threads suite alone replaces that section of the committed page
  if (partial && only?.length === 1 && only[0] === 'threads') {
    const page = join(root, 'docs', 'benchmarks.md');
    writeFileSync(page, spliceThreadsSection(readFileSync(page, 'utf8'), results));
  }
  const jsonPath = join(outDir, partial ? 'quick.json' : 'latest.json');
  const mdPath = partial ? join(outDir, 'quick.md') : join(root, 'docs', 'benchmarks.md');
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  mkdirSync(dirname(mdPath), { recursive: true });
  writeFileSync(mdPath, md);
  console.log(`\n${md}\nwrote ${jsonPath.slice(root.length + 1)} and ${mdPath.slice(root.length + 1)} in ${results.seconds} s`);
}

await main();
