import { OutOfMemoryError } from '@downhill/backend';
import { KERNELS_PRIVATE_BASE64, KERNELS_SHARED_BASE64 } from './kernels-wasm.js';

/** The functions the WebAssembly module exports (pointers and sizes in bytes unless named `n`). */
export interface WasmExports {
  alloc(bytes: number): number;
  allocUninit(bytes: number): number;
  free(ptr: number): void;
  gemmF32(a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, M: number, K: number, N: number): void;
  gemmF32Part(
    a: number,
    ars: number,
    acs: number,
    b: number,
    brs: number,
    bcs: number,
    c: number,
    ldc: number,
    M: number,
    K: number,
    N: number,
    scratch: number,
  ): void;
  gemmScratchBytes(K: number, N: number): number;
  gemmPanelK(K: number): number;
  addPanelsF32(c: number, ldc: number, t: number, ldt: number, tstride: number, rows: number, cols: number, count: number): void;
  binaryF32(op: number, a: number, as: number, b: number, bs: number, out: number, n: number): void;
  binaryRowsF32(
    op: number,
    a: number,
    as: number,
    ars: number,
    b: number,
    bs: number,
    brs: number,
    out: number,
    rows: number,
    n: number,
  ): void;
  compareF32(op: number, a: number, as: number, b: number, bs: number, out: number, n: number): void;
  whereF32(c: number, cs: number, a: number, as: number, b: number, bs: number, out: number, n: number): void;
  sumColsF32(x: number, rows: number, cols: number, out: number, acc: number): void;
  sumColsPartF32(x: number, ld: number, rows: number, cols: number, out: number, acc: number): void;
}

/** The parts of the WebAssembly JavaScript API used here (typed locally: the package's lib has no DOM). */
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  validate(bytes: Uint8Array): boolean;
  compile(bytes: Uint8Array): Promise<object>;
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/**
 * Float32 arrays of at least this many elements (16 KiB) live in the WebAssembly heap; smaller ones
 * stay in the JavaScript heap, where making one costs tens of nanoseconds instead of the microsecond
 * or so of a heap block plus its `FinalizationRegistry` entry. The SIMD kernels copy small operands
 * in where they need them (matmul) or leave them to the JavaScript loops (fused updates).
 */
export const HEAP_MIN_ELEMENTS = 4096;
/** The largest block the allocator hands out (TLSF's limit is just under 1 GiB). */
const HEAP_MAX_BYTES = 2 ** 30 - 64;
/** The most pages the memory may grow to (4 GiB). */
export const PAGES_MAX = 65536;
/** The most bytes the memory can grow to (wasm32: 65536 pages of 64 KiB). */
const MEMORY_MAX_BYTES = PAGES_MAX * 65536;

/**
 * A WebAssembly address as a JavaScript number: i32 results come back signed, so an address of
 * 2 GiB or more (the memory grows to 4 GiB) would read as negative; `>>> 0` takes the same 32 bits
 * as unsigned. Passing the number back as an i32 argument wraps it to the same bits again.
 *
 * @example
 * ```ts
 * unsignedPointer(-2147483648); // 2147483648: the block at 2 GiB
 * ```
 */
export function unsignedPointer(address: number): number {
  return address >>> 0;
}

/**
 * The module's exports with the functions that return addresses (`alloc`, `allocUninit`) giving
 * them as unsigned numbers ({@link unsignedPointer}), so that every caller of the runtime's exports
 * (its heap, the GEMM's scratch, the elementwise and program kernels' temporaries) sees addresses
 * above 2 GiB as they are.
 */
export function withUnsignedPointers(raw: WasmExports): WasmExports {
  return {
    ...raw,
    alloc: (bytes) => unsignedPointer(raw.alloc(bytes)),
    allocUninit: (bytes) => unsignedPointer(raw.allocUninit(bytes)),
  };
}

/**
 * The WebAssembly side of backend-cpu: the compiled kernels, their memory and, where the memory can
 * be shared, a heap in which float32 tensors live.
 *
 * - **Shared mode** (Node, Deno, cross-origin isolated pages): the memory is a shared, growable
 *   `WasmMemory`. Growing it leaves views made before valid (their buffer keeps its length),
 *   so a float32 tensor's storage can be a `Float32Array` view into the heap, used directly by both
 *   the JavaScript loops and the SIMD kernels, with no copies. Blocks are freed when the backend
 *   releases the storage, or, for storage never released, when the view is garbage collected.
 * - **Private mode** (no `SharedArrayBuffer`): an ordinary memory that growth detaches; tensors stay
 *   in the JavaScript heap and the kernels copy their operands in and out.
 */
export class WasmRuntime {
  readonly exports: WasmExports;
  /** The compiled kernels (worker threads instantiate it over the same memory). */
  readonly module: object;
  readonly memory: WasmMemory;
  /** Whether tensors live in the memory (shared mode). */
  readonly shared: boolean;
  /** The buffers views have been made on (one per size the memory has had). */
  private readonly buffers = new Set<ArrayBufferLike>();
  private buffer: ArrayBufferLike;
  private readonly finalizer: FinalizationRegistry<number> | undefined;

  constructor(exports: WasmExports, memory: WasmMemory, shared: boolean, module: object) {
    this.exports = withUnsignedPointers(exports);
    this.module = module;
    this.memory = memory;
    this.shared = shared;
    this.buffer = memory.buffer;
    this.buffers.add(this.buffer);
    this.finalizer =
      shared && typeof FinalizationRegistry !== 'undefined' ? new FinalizationRegistry((ptr) => exports.free(ptr)) : undefined;
  }

  /**
   * A float32 view of the whole memory, made again only when the memory has grown: copies in and
   * out of the heap (`view.set(a, ptr >> 2)`) without a view made per array.
   */
  f32(): Float32Array<ArrayBufferLike> {
    const b = this.current();
    if (this.f32View?.buffer !== b) this.f32View = new Float32Array(b);
    return this.f32View;
  }
  private f32View: Float32Array<ArrayBufferLike> | undefined;

  /** The current buffer of the memory (re-read after a kernel may have grown it). */
  current(): ArrayBufferLike {
    const b = this.memory.buffer;
    if (b !== this.buffer) {
      this.buffer = b;
      if (this.shared) this.buffers.add(b);
    }
    return b;
  }

  /**
   * A zero-filled (or, with `zero` false, uninitialised) float32 array of `n` elements in the heap;
   * undefined in private mode or when the heap cannot hold it (the caller then uses the JS heap).
   */
  allocF32(n: number, zero = true): Float32Array | undefined {
    if (n < HEAP_MIN_ELEMENTS) return undefined;
    const ptr = this.block(n * 4, zero);
    if (ptr === undefined) return undefined;
    const view = new Float32Array(ptr + n * 4 > this.buffer.byteLength ? this.current() : this.buffer, ptr, n);
    this.finalizer?.register(view, ptr, view);
    return view;
  }

  /**
   * A zero-filled (or, with `zero` false, uninitialised) byte array of `n` elements in the heap
   * (`bool` storage, which the comparison and `where` kernels then use in place), for arrays of at
   * least `4 · HEAP_MIN_ELEMENTS` bytes; undefined otherwise, in private mode, or when the heap
   * cannot hold it.
   */
  allocU8(n: number, zero = true): Uint8Array | undefined {
    if (n < HEAP_MIN_ELEMENTS * 4) return undefined;
    const ptr = this.block(n, zero);
    if (ptr === undefined) return undefined;
    const view = new Uint8Array(ptr + n > this.buffer.byteLength ? this.current() : this.buffer, ptr, n);
    this.finalizer?.register(view, ptr, view);
    return view;
  }

  /** A heap block of `bytes` for a tensor's storage, or undefined (private mode, too large, no room). */
  private block(bytes: number, zero: boolean): number | undefined {
    if (!this.shared || bytes > HEAP_MAX_BYTES) return undefined;
    try {
      return zero ? this.exports.alloc(bytes) : this.exports.allocUninit(bytes);
    } catch {
      return undefined; // the memory could not grow
    }
  }

  /** The heap address of an array that lives in the heap (float32 or bool storage), else −1. */
  ptrOf(a: ArrayBufferView): number {
    // Small arrays are never in the heap; and reading `.buffer` of a small typed array is costly
    // (V8 keeps their data inside the object and must move it out to make the ArrayBuffer).
    if (a.byteLength < HEAP_MIN_ELEMENTS * 4) return -1;
    return this.buffers.has(a.buffer) ? a.byteOffset : -1;
  }

  /** Frees the block behind an array made by {@link allocF32} or {@link allocU8}; other arrays are ignored. */
  release(a: ArrayBufferView): void {
    const ptr = this.ptrOf(a);
    if (ptr < 0) return;
    this.finalizer?.unregister(a);
    this.exports.free(ptr);
  }

  /**
   * A temporary block of `n` float32 values (a copy of `from`, zeros with `zero`, else
   * uninitialised); free it with `freeTemp`. Throws an OutOfMemoryError, having allocated nothing,
   * where the memory cannot hold the block (its limit is 4 GiB, and a request of 4 GiB or more
   * would wrap the 32-bit size).
   */
  tempF32(n: number, from?: ArrayLike<number>, zero = false): number {
    const bytes = Math.max(4, n * 4);
    if (!(bytes <= HEAP_MAX_BYTES)) throw refuseBlock(n, bytes, `is larger than the allocator's largest block (${HEAP_MAX_BYTES} bytes)`);
    let ptr: number;
    try {
      ptr = zero ? this.exports.alloc(bytes) : this.exports.allocUninit(bytes);
    } catch (e) {
      if (e instanceof RangeError) throw refuseBlock(n, bytes, 'does not fit in what the memory can still grow to');
      throw e;
    }
    if (from) new Float32Array(this.current(), ptr, n).set(from);
    return ptr;
  }

  /** A view of `n` float32 values at `ptr` on the current buffer (valid until the memory grows, in private mode). */
  viewF32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.current(), ptr, n);
  }

  /** Frees a block of {@link tempF32}. */
  freeTemp(ptr: number): void {
    this.exports.free(ptr);
  }
}

/** The error of a {@link WasmRuntime.tempF32} block that cannot be had (a function, not a closure made per call: this runs on every program run with operands outside the heap). */
function refuseBlock(n: number, bytes: number, why: string): OutOfMemoryError {
  return new OutOfMemoryError(
    `backend-cpu: a WebAssembly block of ${n} float32 values (${bytes} bytes) ${why}; the memory grows to ${MEMORY_MAX_BYTES} bytes (4 GiB) at most`,
    n * 4,
    MEMORY_MAX_BYTES,
  );
}

/** Why the runtime is absent, when it is. */
export let wasmUnavailableReason: string | undefined;

function decode(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function imports(memory: WasmMemory): object {
  return {
    env: {
      memory,
      abort: () => {
        throw new RangeError('backend-cpu: the WebAssembly heap cannot hold this allocation');
      },
    },
  };
}

function sharedMemory(): WasmMemory | undefined {
  if (typeof SharedArrayBuffer === 'undefined' || WA === undefined) return undefined;
  try {
    return new WA.Memory({ initial: 1, maximum: PAGES_MAX, shared: true });
  } catch {
    return undefined;
  }
}

function disabledByEnvironment(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.DOWNHILL_CPU_WASM === '0';
}

function instantiate(module: object, memory: WasmMemory, shared: boolean): WasmRuntime {
  const instance = new WA!.Instance(module, imports(memory));
  return new WasmRuntime(instance.exports as unknown as WasmExports, memory, shared, module);
}

/**
 * A new, independent runtime of one variant, compiled synchronously (throws where that is
 * impossible). The backend uses one per process (see {@link getRuntime}); tests make their own to
 * exercise the private variant.
 * @internal
 */
export function createRuntime(variant: 'shared' | 'private'): WasmRuntime {
  if (WA === undefined) throw new Error('backend-cpu: this JavaScript engine has no WebAssembly');
  const shared = variant === 'shared';
  const memory = shared ? sharedMemory() : new WA.Memory({ initial: 1 });
  if (!memory) throw new Error('backend-cpu: shared WebAssembly memory is unavailable here');
  return instantiate(new WA.Module(decode(shared ? KERNELS_SHARED_BASE64 : KERNELS_PRIVATE_BASE64)), memory, shared);
}

/**
 * Starts the runtime synchronously: compiles the module (shared variant where shared memory exists,
 * private otherwise) and instantiates it. Returns undefined, with {@link wasmUnavailableReason} set,
 * where WebAssembly or SIMD is missing, where `DOWNHILL_CPU_WASM=0`, or where synchronous compilation
 * is refused (browsers' main threads); in that last case an asynchronous compilation is started and
 * {@link getRuntime} returns the runtime once it is ready.
 */
function start(): WasmRuntime | undefined {
  if (disabledByEnvironment()) {
    wasmUnavailableReason = 'disabled by DOWNHILL_CPU_WASM=0';
    return undefined;
  }
  if (WA === undefined) {
    wasmUnavailableReason = 'this JavaScript engine has no WebAssembly';
    return undefined;
  }
  const memory = sharedMemory();
  const shared = memory !== undefined;
  const bytes = decode(shared ? KERNELS_SHARED_BASE64 : KERNELS_PRIVATE_BASE64);
  if (!WA.validate(bytes)) {
    wasmUnavailableReason = 'this engine does not validate the kernels (no 128-bit SIMD?)';
    return undefined;
  }
  const mem = memory ?? new WA.Memory({ initial: 1 });
  try {
    return instantiate(new WA.Module(bytes), mem, shared);
  } catch (e) {
    wasmUnavailableReason = `synchronous compilation refused (${(e as Error).message}); compiling asynchronously`;
    runtimeReady = WA.compile(bytes).then(
      (m) => {
        runtime = instantiate(m, mem, shared);
        wasmUnavailableReason = undefined;
      },
      (err: Error) => {
        wasmUnavailableReason = `compilation failed: ${err.message}`;
      },
    );
    return undefined;
  }
}

/** Settles once the runtime is known: at once, or when an asynchronous compilation ends. */
export let runtimeReady: Promise<void> = Promise.resolve();
let runtime: WasmRuntime | undefined = start();

/** The WebAssembly runtime, or undefined where it is unavailable (see {@link wasmUnavailableReason}). */
export function getRuntime(): WasmRuntime | undefined {
  return runtime;
}

/**
 * Turns the WebAssembly kernels off (`false`) or back on for this process; returns the previous
 * setting. For tests and benchmarks that compare the two paths. Storage already in the heap stays
 * valid either way.
 * @internal
 */
let enabled = true;
export function setWasmEnabled(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** The runtime when the kernels are enabled and available. */
export function activeRuntime(): WasmRuntime | undefined {
  return enabled ? runtime : undefined;
}
