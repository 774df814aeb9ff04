/**
 * Standalone probe (not part of `pnpm bench`): the MLP 784-256-10 training step (batch 128, one
 * batch trained over and over, as in `mlp.ts`) with `adam(lr)` and with
 * `flushSubnormals(adam(lr))` on backend-cpu with `T` threads (default 1), over steps 0–300,
 * 300–1000 and 1000–2000: the median time of Adam's update program (`runProgram`), the mean time
 * of a whole step, the loss, and how many of the first layer's moments are subnormal. Once the
 * loss is small, gradients of exactly zero leave Adam's first moments stuck in the subnormal range
 * (see `flushSubnormals`), and the plain run's update program slows down.
 *
 *   T=1 node --conditions=source --import tsx bench/src/subnormal-probe.ts
 */
import type { Tensor } from '@downhill/backend';
import { cpu, cpuThreadsReady } from '@downhill/backend-cpu';
import { adam, flushSubnormals } from '@downhill/optimizers';
import { downhillTrainer } from './mlp-problem.js';

const threads = Number(process.env.T ?? 1);
const SMALLEST_NORMAL_F32 = 2 ** -126;

for (const [label, make] of [
  ['adam', (lr: number) => adam(lr)],
  ['flushSubnormals(adam)', (lr: number) => flushSubnormals(adam(lr))],
] as const) {
  const b = cpu({ threads });
  await cpuThreadsReady(threads);
  let programMs: number[] = [];
  let subnormal = 0;
  let inspect = false;
  const run = b.runProgram.bind(b);
  b.runProgram = ((...args: Parameters<typeof b.runProgram>) => {
    const s = performance.now();
    const out = run(...args);
    programMs.push(performance.now() - s);
    if (inspect) {
      // the largest group is the first layer's kernel: count subnormal elements over its operands
      const group = [...args[1]].sort((x, y) => y.inputs[0].size - x.inputs[0].size)[0];
      subnormal = 0;
      for (const t of group.inputs as Tensor[])
        for (const v of b.readSync(t) as Float32Array) if (v !== 0 && Math.abs(v) < SMALLEST_NORMAL_F32) subnormal++;
      inspect = false;
    }
    return out;
  }) as typeof b.runProgram;
  const t = await downhillTrainer(b, undefined, make);
  let steps = 0;
  for (const until of [300, 1000, 2000]) {
    programMs = [];
    const from = steps;
    const start = performance.now();
    while (steps < until - 1) {
      t.step();
      steps++;
    }
    inspect = true;
    t.step();
    steps++;
    const ms = (performance.now() - start) / (steps - from);
    const median = programMs.sort((x, y) => x - y)[programMs.length >> 1];
    console.log(
      `${label.padEnd(22)} steps ${from}–${steps}: update program ${median.toFixed(3)} ms (median), step ${ms.toFixed(3)} ms (mean), loss ${(await t.loss()).toExponential(2)}, subnormal operand elements of the first layer's program ${subnormal}`,
    );
  }
}
process.exit(0);
