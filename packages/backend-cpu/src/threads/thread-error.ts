import { DownhillError } from '@downhill/backend';

/**
 * A kernel failed on one of backend-cpu's worker threads (or a worker could not start): the error
 * is caught on the worker and raised on the calling thread, naming the thread, the kernel and the
 * worker's own message. `code` is `THREAD_FAILED`.
 *
 * @example
 * ```ts
 * import { ThreadError } from '@downhill/backend-cpu';
 * try { backend.matmul(a, b); } catch (e) { if (e instanceof ThreadError) console.log(e.thread, e.kernel); }
 * ```
 */
export class ThreadError extends DownhillError {
  /** The worker thread that failed (1 is the first worker; the calling thread is 0). */
  readonly thread: number;
  /** The kernel it was running. */
  readonly kernel: string;
  constructor(message: string, thread: number, kernel: string) {
    super('THREAD_FAILED', message);
    this.thread = thread;
    this.kernel = kernel;
  }
}
