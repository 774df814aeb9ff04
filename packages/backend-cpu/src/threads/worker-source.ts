/**
 * The program each worker thread of backend-cpu runs, as source text (a worker made from a string
 * needs no file next to the bundle, and works the same from TypeScript sources and from `dist/`):
 * Node runs it with `new Worker(source, { eval: true })`, browsers from a `Blob` URL.
 *
 * The worker instantiates the kernels (and later each compiled program) over the backend's shared
 * WebAssembly memory, then serves calls: it waits on its sequence word (spinning briefly first),
 * runs the list of calls the caller wrote into its control block, stores the sequence number into
 * its done word and wakes the caller. A list whose count is −1 makes it return to its event loop,
 * where pending messages (newly compiled programs) are handled; −2 makes it exit. An exception is
 * caught and reported in the control block (status and message), never thrown across threads.
 *
 * Control block of worker `w`: `CONTROL_WORDS` int32 words from `w · CONTROL_WORDS`; the word
 * offsets are the `W_*` constants of `control.ts`, repeated here as literals.
 */
export const WORKER_SOURCE = `'use strict';
const SEQ = 0, DONE = 1, READY = 2, STATUS = 3, MODS = 4, ERRLEN = 5, CALLS = 16, ERR = 3072, ERRMAX = 1000;
const SPIN = 20000;
const node = typeof require === 'function' && typeof process === 'object';
const port = node ? require('node:worker_threads').parentPort : self;
let ctl, base = 0, memory, last = 0;
const mods = [];
function instantiate(m) {
  const inst = new WebAssembly.Instance(m.module, { env: { memory, abort() { throw new Error('abort called in a kernel'); } } });
  mods[m.id] = m.names.map((n) => inst.exports[n]);
  Atomics.store(ctl, base + MODS, mods.length);
  Atomics.notify(ctl, base + MODS);
}
function fail(e) {
  const text = String(e && e.stack ? e.stack : e).slice(0, ERRMAX);
  for (let i = 0; i < text.length; i++) ctl[base + ERR + i] = text.charCodeAt(i);
  ctl[base + ERRLEN] = text.length;
  ctl[base + STATUS] = 1;
}
function runCalls() {
  let at = base + CALLS;
  const count = ctl[at++];
  for (let c = 0; c < count; c++) {
    const fn = mods[ctl[at]][ctl[at + 1]];
    const n = ctl[at + 2];
    at += 3;
    switch (n) {
      case 6: fn(ctl[at], ctl[at + 1], ctl[at + 2], ctl[at + 3], ctl[at + 4], ctl[at + 5]); break;
      case 7: fn(ctl[at], ctl[at + 1], ctl[at + 2], ctl[at + 3], ctl[at + 4], ctl[at + 5], ctl[at + 6]); break;
      case 8: fn(ctl[at], ctl[at + 1], ctl[at + 2], ctl[at + 3], ctl[at + 4], ctl[at + 5], ctl[at + 6], ctl[at + 7]); break;
      default: fn(...ctl.subarray(at, at + n));
    }
    at += n;
  }
}
function loop() {
  for (;;) {
    let seq = Atomics.load(ctl, base + SEQ);
    for (let i = 0; seq === last && i < SPIN; i++) seq = Atomics.load(ctl, base + SEQ);
    if (seq === last) {
      Atomics.wait(ctl, base + SEQ, last);
      continue;
    }
    last = seq;
    const count = ctl[base + CALLS];
    if (count === -2) {
      Atomics.store(ctl, base + DONE, seq);
      Atomics.notify(ctl, base + DONE);
      if (node) process.exit(0); else self.close();
      return;
    }
    if (count >= 0) {
      try { runCalls(); } catch (e) { fail(e); }
    }
    Atomics.store(ctl, base + DONE, seq);
    Atomics.notify(ctl, base + DONE);
    if (count === -1) return;
  }
}
function onMessage(m) {
  try {
    if (m.kind === 'init') {
      ctl = new Int32Array(m.control);
      base = m.base;
      memory = m.memory;
      for (const mod of m.modules) instantiate(mod);
      Atomics.store(ctl, base + READY, 1);
      Atomics.notify(ctl, base + READY);
    } else if (m.kind === 'module') instantiate(m);
  } catch (e) {
    fail(e);
    Atomics.store(ctl, base + READY, -1);
    Atomics.notify(ctl, base + READY);
    return;
  }
  loop();
}
if (node) port.on('message', onMessage); else port.onmessage = (e) => onMessage(e.data);
`;
