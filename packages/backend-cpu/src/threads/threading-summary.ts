/**
 * How backend-cpu will run here, known synchronously, for its registry description: on worker
 * threads where `SharedArrayBuffer` exists, else on one thread, saying why (a browser page that
 * is not cross-origin isolated has no `SharedArrayBuffer`).
 */
export function threadingSummary(): string {
  if (typeof SharedArrayBuffer !== 'undefined') return 'multithreaded (worker threads over shared memory)';
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return isolated === false
    ? 'one thread (this page is not cross-origin isolated: no SharedArrayBuffer; serve it with COOP/COEP headers for threads)'
    : 'one thread (no SharedArrayBuffer here)';
}
