/**
 * The thread pool's control block: word offsets in the `Int32Array` that the calling thread
 * (`pool.ts`) and the workers (`worker-source.ts`, which gets them as literals) share. Words written
 * often by several threads (the counter, the done count) sit on cache lines of their own.
 */

export const C_GEN = 0;
export const C_EXIT = 1;
export const C_COUNTER = 16;
export const C_DONE = 32;
export const C_N = 48;
export const C_MAXMOD = 49;
export const C_ALLOWED = 50;
export const C_FAILED = 51;
export const C_ERRLEN = 52;
export const C_ERRTHREAD = 53;
export const C_SCRATCH = 54;
export const C_SCRATCH_STRIDE = 55;
/** How many threads own a range of the job's leading chunks (see `ThreadPool.begin`). */
export const C_OWNED = 56;
/** Chunks in each owned range (see `ThreadPool.begin`). */
export const C_PIECES = 57;
/** Per worker: {@link WORKER_WORDS} words from here (ready flag, modules instantiated, chunks run, µs spent in chunks modulo 2³⁰). */
export const C_WORKERS = 64;
/** Words per worker from {@link C_WORKERS}. */
export const WORKER_WORDS = 16;
/** The most workers a pool holds (threads − 1: the calling thread works too). */
export const MAX_WORKERS = 63;
/** A failed worker's error text, one UTF-16 code unit per word, at most {@link ERR_MAX} of them. */
export const C_ERR = 2048;
export const ERR_MAX = 1000;
/**
 * One claim word per owned range (at most {@link MAX_WORKERS} + 1): the generation `g` of its job
 * (the counter's 12 bits) in bits 20–31, then the offset of the range's first chunk not yet taken
 * (bits 10–19: its owner takes chunks from the front) and one past its last (bits 0–9: other threads
 * take them from the back); the range is used up where the two meet.
 */
export const C_CLAIMS = 3072;
/** Bits of each offset in an owned range's claim word (see {@link C_CLAIMS}). */
export const CLAIM_OFFSET_BITS = 10;
/** The mask of one offset in a claim word; also the most chunks an owned range holds. */
export const CLAIM_OFFSET_MASK = (1 << CLAIM_OFFSET_BITS) - 1;
/** The chunk table: one record of {@link RECORD} words per chunk (module, function, count, arguments). */
export const C_TABLE = 4096;
export const RECORD = 16;

// The regions must not overlap (the workers' words once ran into the error text past 60 workers).
if (C_WORKERS + WORKER_WORDS * MAX_WORKERS > C_ERR || C_ERR + ERR_MAX > C_CLAIMS || C_CLAIMS + MAX_WORKERS + 1 > C_TABLE) {
  throw new Error('backend-cpu: the thread pool control block regions overlap');
}
