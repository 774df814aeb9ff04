/**
 * Below this share of their thread time spent in chunks, split jobs did not run in parallel: at
 * 0.5 on two threads they took as long as on one (less, with the time splitting itself adds).
 */
export const EFFICIENCY_MIN = 0.5;
/** The thread time (ms) of split jobs one verdict of {@link EfficiencyWindow} covers, at least. */
export const EFFICIENCY_WINDOW_MS = 5;
/** The pool stops splitting where this many of the last {@link RECENT_WINDOWS} windows failed. */
export const FAILED_WINDOWS = 3;
/** The windows {@link FAILED_WINDOWS} counts over. */
export const RECENT_WINDOWS = 4;
/**
 * Milliseconds split kernels stay on the calling thread after the first backoff: about fifteen MLP
 * 784-256-10 training steps. Time rather than a count of jobs, since jobs differ a thousandfold: 64
 * jobs (the rule before this one) were 3 ms of Adam steps at 1e5 parameters but 3 s of 1024³
 * products.
 */
export const BACKOFF_MS = 40;
/** The longest backoff (ms): while windows keep failing it doubles up to this. */
export const BACKOFF_MAX_MS = 320;

/**
 * Judges whether split jobs really run in parallel, from their parallel efficiency: over a window
 * of at least {@link EFFICIENCY_WINDOW_MS} of thread time (each job's wall time times the threads
 * that ran chunks of it), the threads' time in chunks over that thread time. Where
 * {@link FAILED_WINDOWS} of the last {@link RECENT_WINDOWS} windows fall under
 * {@link EFFICIENCY_MIN}, the threads ran in turn rather than at the same time, and
 * {@link EfficiencyWindow.add} returns how long to keep split kernels on the calling thread:
 * {@link BACKOFF_MS}, doubling while the windows after each backoff keep failing, up to
 * {@link BACKOFF_MAX_MS}; a passing window halves it again (a busy machine's windows pass now
 * and then, and a reset there made the pool split half the time beside a busy process).
 *
 * That is a machine with more runnable threads than cores, where the system runs a process's
 * threads in turn: Linux's autogroup scheduling gives a process about one core while another
 * session keeps the other busy, and there a worker spinning for its next job takes the calling
 * thread's time. On the development machine (2 vCPUs, Node 20), the MLP 784-256-10 step on 2
 * threads beside one busy process took 1.8× its one-thread time, its windows mostly at 0.01–0.5,
 * and with this backoff 0.91–0.96× its one-thread speed, about 2 of its 6 large kernels split per
 * step (`bench/src/threads-contention.ts`, `HOG=1`). On the quiet machine the windows are
 * 0.75–0.99, but 7–10% of them fail now and then (a virtual CPU preempted by the host, V8's
 * background threads taking the worker's core for a while), two in a row often enough that
 * backing off on two (the rule before this one) kept 7% of the MLP's split kernels on one thread;
 * with three of four, 1–2%. A worker that claims
 * nothing (it woke too late) does not count: the caller running every chunk costs what one thread
 * costs.
 */
export class EfficiencyWindow {
  private threadMs = 0;
  private busyMs = 0;
  /** The last {@link RECENT_WINDOWS} verdicts since the last backoff, one bit each (1: failed), newest lowest. */
  private recent = 0;
  /** Whether the last verdict was a backoff: then one more failed window backs off again. */
  private backedOff = false;
  private penalty = BACKOFF_MS;

  /**
   * Adds a job: `threadMs`, its wall time times the threads that ran its chunks, and `busyMs`,
   * their time in chunks. Returns how many milliseconds from now to keep split kernels on the
   * calling thread (0: go on splitting).
   */
  add(threadMs: number, busyMs: number): number {
    this.threadMs += threadMs;
    this.busyMs += busyMs;
    if (this.threadMs < EFFICIENCY_WINDOW_MS) return 0;
    const passed = this.busyMs >= EFFICIENCY_MIN * this.threadMs;
    this.threadMs = 0;
    this.busyMs = 0;
    this.recent = ((this.recent << 1) | (passed ? 0 : 1)) & ((1 << RECENT_WINDOWS) - 1);
    if (passed) {
      this.backedOff = false;
      this.penalty = Math.max(BACKOFF_MS, this.penalty / 2);
      return 0;
    }
    if (!this.backedOff && failures(this.recent) < FAILED_WINDOWS) return 0;
    const backoff = this.penalty;
    this.penalty = Math.min(2 * this.penalty, BACKOFF_MAX_MS);
    this.backedOff = true;
    this.recent = 0;
    return backoff;
  }
}

/** The failed windows among the verdict bits. */
function failures(bits: number): number {
  let n = 0;
  for (let b = bits; b !== 0; b &= b - 1) n++;
  return n;
}
