import {
  C_ALLOWED,
  C_CLAIMS,
  CLAIM_OFFSET_BITS,
  CLAIM_OFFSET_MASK,
  C_COUNTER,
  C_DONE,
  C_ERR,
  C_ERRLEN,
  C_ERRTHREAD,
  C_EXIT,
  C_FAILED,
  C_GEN,
  C_MAXMOD,
  C_N,
  C_OWNED,
  C_PIECES,
  C_SCRATCH,
  C_SCRATCH_STRIDE,
  C_TABLE,
  C_WORKERS,
  ERR_MAX,
  RECORD,
  WORKER_WORDS,
} from './control-layout.js';

/**
 * The program each worker thread of backend-cpu runs, as source text (a worker made from a string
 * needs no file next to the bundle, and works the same from TypeScript sources and from `dist/`):
 * Node runs it with `new Worker(source, { eval: true })`, browsers from a `Blob` URL.
 *
 * The worker instantiates the kernels (and later each compiled program) over the backend's shared
 * WebAssembly memory (a module `{ source }` is JavaScript source text, compiled with `new Function`
 * and given the memory: the reductions of `reduce-kernels.ts`), then serves jobs: it waits on the generation word (spinning for `WORKER_SPIN_MS` of `pool.ts` after
 * its last job first, then blocking);
 * on a new job it runs its owned range if the job has one for it, from the front, claims chunks one at
 * a time from the job's counter (a compare-and-swap that fails once the job is over), runs each
 * chunk's kernel call, counts it done, then takes the owned chunks other threads have not started,
 * from the back of their ranges, and goes back to
 * waiting when no chunk is left. A job that needs a module the worker has not instantiated yet
 * sends it back to its event loop, where the pending message with that module is handled. An
 * exception is caught and reported in the control block, never thrown across threads.
 *
 * The word offsets are the constants of `control-layout.ts`, written into the source as literals.
 */
export const WORKER_SOURCE = `'use strict';
const GEN = ${C_GEN}, EXIT = ${C_EXIT}, COUNTER = ${C_COUNTER}, DONE = ${C_DONE}, N = ${C_N}, MAXMOD = ${C_MAXMOD},
  ALLOWED = ${C_ALLOWED}, FAILED = ${C_FAILED}, ERRLEN = ${C_ERRLEN}, ERRTHREAD = ${C_ERRTHREAD}, SCRATCH = ${C_SCRATCH},
  SCRATCH_STRIDE = ${C_SCRATCH_STRIDE}, WORKERS = ${C_WORKERS}, WORKER_WORDS = ${WORKER_WORDS}, TABLE = ${C_TABLE},
  RECORD = ${RECORD}, ERR = ${C_ERR}, ERRMAX = ${ERR_MAX}, OWNED = ${C_OWNED}, PIECES = ${C_PIECES}, CLAIMS = ${C_CLAIMS},
  OFFSET_BITS = ${CLAIM_OFFSET_BITS}, OFFSET_MASK = ${CLAIM_OFFSET_MASK};
const node = typeof require === 'function' && typeof process === 'object';
const port = node ? require('node:worker_threads').parentPort : self;
let ctl, id = 0, memory, last = 0, busy = 0, spinMs = 1, budget = 1;
const DESCHEDULED = 0.25, SPIN_MIN = 0.05;
const mods = [];
function instantiate(m) {
  if (typeof m.module.source === 'string') {
    // JavaScript kernels: the same source text the calling thread compiled, over the shared memory
    const fns = new Function('memory', m.module.source)(memory);
    mods[m.id] = m.names.map((n) => fns[n]);
  } else {
    const inst = new WebAssembly.Instance(m.module, { env: { memory, abort() { throw new Error('abort called in a kernel'); } } });
    mods[m.id] = m.names.map((n) => inst.exports[n]);
  }
  Atomics.store(ctl, WORKERS + WORKER_WORDS * id + 1, mods.length);
}
function fail(e) {
  if (Atomics.compareExchange(ctl, FAILED, 0, id + 2) !== 0) return;
  const text = String(e && e.stack ? e.stack : e).slice(0, ERRMAX);
  for (let i = 0; i < text.length; i++) ctl[ERR + i] = text.charCodeAt(i);
  ctl[ERRLEN] = text.length;
}
function runChunk(i) {
  const at = TABLE + i * RECORD;
  const fn = mods[ctl[at]][ctl[at + 1]];
  const n = ctl[at + 2];
  const a = new Array(n);
  for (let k = 0; k < n; k++) {
    const v = ctl[at + 3 + k];
    a[k] = v === -1 ? ctl[SCRATCH] + (id + 1) * ctl[SCRATCH_STRIDE] : v;
  }
  fn(...a);
}
function done(i, t0) {
  busy += performance.now() - t0;
  ctl[WORKERS + WORKER_WORDS * id + 2]++; // chunks this worker ran (read by tests)
  ctl[WORKERS + WORKER_WORDS * id + 3] = Math.round(busy * 1000) % 0x40000000; // µs spent in chunks (read by the threads bench)
  if (Atomics.add(ctl, DONE, 1) + 1 === ctl[N]) Atomics.notify(ctl, DONE);
}
// a chunk of thread t's owned range, from its front (this thread's own) or its back (another's)
function claimOwned(t, g, front) {
  for (;;) {
    const v = Atomics.load(ctl, CLAIMS + t);
    const f = (v >>> OFFSET_BITS) & OFFSET_MASK, b = v & OFFSET_MASK;
    if (v >>> 20 !== g || f >= b) return false;
    if (Atomics.compareExchange(ctl, CLAIMS + t, v, front ? v + (1 << OFFSET_BITS) : v - 1) !== v) continue;
    const i = t * ctl[PIECES] + (front ? f : b - 1);
    const t0 = performance.now();
    try { runChunk(i); } catch (e) { fail(e); }
    done(i, t0);
    return true;
  }
}
function work(gen) {
  const g = gen & 0xfff;
  // owned ranges: this thread's own first, from its front (thread id + 1; the caller is thread 0)
  const owned = ctl[OWNED];
  if (id + 1 < owned) while (claimOwned(id + 1, g, true));
  for (;;) {
    const v = Atomics.load(ctl, COUNTER);
    if (v >>> 20 !== g) return;
    const n = ctl[N];
    const i = v & 0xfffff;
    if (i >= n) break;
    if (Atomics.compareExchange(ctl, COUNTER, v, v + 1) !== v) continue;
    const t0 = performance.now();
    try { runChunk(i); } catch (e) { fail(e); }
    done(i, t0);
  }
  // then the chunks of other threads' ranges they have not started, from the back
  for (let t = 0; t < owned; t++) while (claimOwned(t, g, t === id + 1));
}
function loop() {
  for (;;) {
    let gen = Atomics.load(ctl, GEN);
    if (gen === last) {
      // Spin a while before blocking: waking a blocked thread costs ~0.1 ms on a virtual machine,
      // more than the gaps between the split kernels of a training step. But a spin interrupted
      // for over DESCHEDULED ms (1024 loads take microseconds) means the system took the core
      // away: this thread competes for a core (with the calling thread itself, where the system
      // shares one between a process's threads), so it blocks at once and spins only briefly
      // after the next jobs, the budget growing back by SPIN_MIN a job (to the full spin in 20 jobs).
      let prev = performance.now();
      const until = prev + budget;
      for (let i = 1; gen === last; i++) {
        gen = Atomics.load(ctl, GEN);
        if ((i & 1023) === 0) {
          const now = performance.now();
          if (now - prev > DESCHEDULED) {
            budget = SPIN_MIN;
            break;
          }
          if (now > until) break;
          prev = now;
        }
      }
    }
    if (gen === last) {
      Atomics.wait(ctl, GEN, last);
      continue;
    }
    if (ctl[EXIT]) {
      if (node) process.exit(0); else self.close();
      return;
    }
    // A module is on its way: handle the message, then come back to this job (the generation is
    // not yet marked seen), so a job that needs a new module still gets this thread.
    if (id < ctl[ALLOWED] && ctl[MAXMOD] >= mods.length) return;
    last = gen;
    if (id >= ctl[ALLOWED]) continue;
    work(gen);
    budget = Math.min(spinMs, budget + SPIN_MIN);
  }
}
function onMessage(m) {
  try {
    if (m.kind === 'init') {
      ctl = new Int32Array(m.control);
      id = m.id;
      spinMs = budget = m.spinMs;
      memory = m.memory;
      for (const mod of m.modules) instantiate(mod);
      last = Atomics.load(ctl, GEN);
      Atomics.store(ctl, WORKERS + WORKER_WORDS * id, 1);
    } else if (m.kind === 'module') instantiate(m);
  } catch (e) {
    if (ctl) Atomics.store(ctl, WORKERS + WORKER_WORDS * id, -1);
    return;
  }
  loop();
}
if (node) port.on('message', onMessage); else port.onmessage = (e) => onMessage(e.data);
`;
