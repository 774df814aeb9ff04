/**
 * Standalone probe (not part of `pnpm bench`), for the loop shape of backend-cpu's generated
 * float32 programs (`compileWasm` in `packages/backend-cpu/src/program-wasm.ts`): an optimizer's
 * real update program (traced from one step of a built-in optimizer called with the learning rate
 * 1e-3, such as `adam`, or of `adabelief-plugin` (`plugins/adabelief-plugin.ts`) or `qhadam` (the
 * QHAdam example plugin)), compiled with every loop shape (1, 2 or 4 vectors per iteration,
 * nodes emitted node by node or vector by vector), its `run` called directly on one thread over n
 * float32 elements in place (no step, no split, no JavaScript around it), against the one-thread
 * floors of `stream.wat` (`stream4`: Adam's access pattern; `arith`: one square root and one
 * division per element; for an optimizer with more state than Adam the stream floor is below its
 * own). Rounds alternate the shapes; prints the best wall and CPU time of each.
 * The machine is shared: read minima, and run it more than once.
 *
 *   node --conditions=source --import tsx bench/src/program-loop-probe.ts [optimizer] [n] [rounds] [reps]
 */
import type { ElementwiseProgram, ProgramGroup, Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import * as optimizers from '@downhill/optimizers';
import { step, type GradientTransformation } from '@downhill/optimizers';
import { compileWasm, type WasmLoopShape } from '../../packages/backend-cpu/src/program-wasm.js';
import { getRuntime, PAGES_MAX } from '../../packages/backend-cpu/src/wasm/runtime.js';
import { qhadam } from 'downhill-example-plugin-qhadam';
import { adabeliefPlugin } from './plugins/adabelief-plugin.js';
import { streamProbe } from './stream-probe.js';
import { randomF32 } from './util.js';

const which = process.argv[2] ?? 'adam';
const n = Number(process.argv[3] ?? 1e6);
const rounds = Number(process.argv[4] ?? 8);
const reps = Number(process.argv[5] ?? Math.max(3, Math.round(3e6 / n)));

const b = cpu({ threads: 1 });
const rt = getRuntime();
if (!rt?.shared) throw new Error('program-loop probe: no shared WebAssembly heap here');

/** The program and scalars of one in-place step of the optimizer, caught on their way to the backend. */
function traced(tx: GradientTransformation): { program: ElementwiseProgram; scalars: readonly number[] } {
  let got: { program: ElementwiseProgram; scalars: readonly number[] } | undefined;
  const run = b.runProgram!.bind(b);
  b.runProgram = (program, groups: readonly ProgramGroup<Tensor>[], options) => {
    got = { program, scalars: groups[0].scalars };
    return run(program, groups, options);
  };
  const params = { w: b.tensor(randomF32(64, 1), [64]) };
  step(tx, params, { w: b.tensor(randomF32(64, 2, 1e-2), [64]) }, tx.init(params), { inPlace: true });
  b.runProgram = run;
  if (!got) throw new Error(`program-loop probe: ${which} ran no program`);
  return got;
}

const builtIn = (optimizers as unknown as Record<string, unknown>)[which];
const tx =
  which === 'adabelief-plugin'
    ? adabeliefPlugin(1e-3)
    : which === 'qhadam'
      ? qhadam(1e-3)
      : typeof builtIn === 'function'
        ? (builtIn as (lr: number) => GradientTransformation)(1e-3)
        : undefined;
if (!tx) throw new Error(`program-loop probe: no optimizer ${which}`);
const { program, scalars } = traced(tx);
const k = program.inputs;
const m = program.outputs.length;
// the outputs overwrite the inputs they update (p, then the state after the gradient), as an
// in-place step does; an output with no such input gets an array of its own
const block = (t: number) => {
  const ptr = rt.exports.allocUninit(n * 4 + 64);
  const data = randomF32(n, 3 + t, t === 1 ? 1e-2 : 1);
  new Float32Array(rt.current(), ptr, n).set(t >= 2 ? data.map(Math.abs) : data);
  return ptr;
};
const arrays = Array.from({ length: k }, (_, t) => block(t));
const outputs = program.outputs.map((_, q) => {
  const t = q === 0 ? 0 : q + 1;
  return t < k ? arrays[t] : block(k + q);
});
const stride = 1 + k + m + program.scalars;
const desc = rt.exports.allocUninit(stride * 4);
const words = new Int32Array(rt.current(), desc, stride);
const floats = new Float32Array(rt.current(), desc, stride);
words[0] = n;
for (let t = 0; t < k; t++) words[1 + t] = arrays[t];
for (let q = 0; q < m; q++) words[1 + k + q] = outputs[q];
scalars.forEach((s, i) => (floats[1 + k + m + i] = s));

const shapes: WasmLoopShape[] = [
  { unroll: 1, order: 'node' },
  { unroll: 2, order: 'node' },
  { unroll: 2, order: 'vector' },
  { unroll: 4, order: 'node' },
  { unroll: 4, order: 'vector' },
];
const runs = shapes.map((shape) => {
  const w = compileWasm(program, rt.memory, PAGES_MAX, shape);
  if (!w) throw new Error('program-loop probe: the program did not compile');
  return { name: `${shape.unroll} ${shape.order}`, run: () => w.run(desc, 1), wall: Infinity, cpu: Infinity };
});
const probe = await streamProbe(n, 1);
const floors = { stream4: Infinity, arith: Infinity };
for (const r of runs) for (let i = 0; i < 5; i++) r.run(); // past the baseline compiler
for (let round = 0; round < rounds; round++) {
  for (const r of round % 2 ? [...runs].reverse() : runs) {
    r.run(); // the other subjects ran last: this brings the arrays back
    for (let i = 0; i < reps; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      r.run();
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      r.wall = Math.min(r.wall, wall);
      r.cpu = Math.min(r.cpu, (c.user + c.system) / 1e3);
    }
  }
  floors.stream4 = Math.min(floors.stream4, probe.best('stream4', n, 1, reps));
  floors.arith = Math.min(floors.arith, probe.best('arith', n, 1, reps));
}
await probe.close();
const roof = Math.max(floors.stream4, floors.arith);
console.log(
  `${which} (${program.nodes.length} nodes), n = ${n}, one thread: stream4 ${floors.stream4.toFixed(3)} ms, arith ${floors.arith.toFixed(3)} ms`,
);
console.log('vectors order | best wall ms | best cpu ms | wall / roofline');
for (const r of runs)
  console.log(
    `${r.name.padEnd(13)} | ${r.wall.toFixed(3).padStart(12)} | ${r.cpu.toFixed(3).padStart(11)} | ${(r.wall / roof).toFixed(2)}×`,
  );
process.exit(0);
