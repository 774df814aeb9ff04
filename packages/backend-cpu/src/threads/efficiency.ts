/**
 * Below this share of their thread time spent in chunks, split jobs did not run in parallel: at
 * 0.5 on two threads they took as long as on one (less, with the time splitting itself adds).
 */
export const EFFICIENCY_MIN = 0.5;
/** The thread time (ms) of split jobs one verdict of {@link EfficiencyWindow} covers, at least. */
export const EFFICIENCY_WINDOW_MS = 5;
/** Failed windows in a row before the pool stops splitting. */
export const FAILED_WINDOWS = 2;
/** Jobs kept on the calling thread after the first backoff. */
export const BACKOFF_JOBS = 64;
/** The longest backoff: while windows keep failing it doubles up to this. */
export const BACKOFF_MAX_JOBS = 256;

/**
 * Judges whether split jobs really run in parallel, from their parallel efficiency: over a window
 * of at least {@link EFFICIENCY_WINDOW_MS} of thread time (each job's wall time times the threads
 * that ran chunks of it), the threads' time in chunks over that thread time. Where
 * {@link FAILED_WINDOWS} windows in a row fall under {@link EFFICIENCY_MIN}, the threads ran in
 * turn rather than at the same time, and {@link EfficiencyWindow.add} returns how many jobs to keep
 * on the calling thread: {@link BACKOFF_JOBS}, doubling while windows keep failing after each
 * backoff, up to {@link BACKOFF_MAX_JOBS}; a passing window resets both.
 *
 * That is a machine with more runnable threads than cores, where the system runs a process's
 * threads in turn: Linux's autogroup scheduling gives a process about one core while another
 * session keeps the other busy, and there a worker spinning for its next job takes the calling
 * thread's time. On the development machine (2 vCPUs, Node 20), the MLP 784-256-10 step on 2
 * threads beside one busy process took 1.8× its one-thread time, its windows mostly at 0.01–0.5,
 * and with this backoff its one-thread time (`bench/src/threads-contention.ts`, `HOG=1`); on the
 * quiet machine they are 0.75–0.99, with a single window now and then near 0.3–0.5 (a wake-up, a
 * preempted virtual CPU), which one failure alone does not act on. A worker that claims nothing
 * (it woke too late) does not count: the caller running every chunk costs what one thread costs.
 */
export class EfficiencyWindow {
  private threadMs = 0;
  private busyMs = 0;
  private failed = 0;
  private penalty = BACKOFF_JOBS;

  /**
   * Adds a job: `threadMs`, its wall time times the threads that ran its chunks, and `busyMs`,
   * their time in chunks. Returns the jobs to keep on the calling thread from now (0: go on
   * splitting).
   */
  add(threadMs: number, busyMs: number): number {
    this.threadMs += threadMs;
    this.busyMs += busyMs;
    if (this.threadMs < EFFICIENCY_WINDOW_MS) return 0;
    const passed = this.busyMs >= EFFICIENCY_MIN * this.threadMs;
    this.threadMs = 0;
    this.busyMs = 0;
    if (passed) {
      this.failed = 0;
      this.penalty = BACKOFF_JOBS;
      return 0;
    }
    if (++this.failed < FAILED_WINDOWS) return 0;
    const backoff = this.penalty;
    this.penalty = Math.min(2 * this.penalty, BACKOFF_MAX_JOBS);
    this.failed = FAILED_WINDOWS - 1; // after the backoff, one more failed window backs off again
    return backoff;
  }
}
