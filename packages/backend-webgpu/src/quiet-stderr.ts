import { importRuntime } from './gpu-route.js';

/**
 * Runs `fn` with the process's native standard error (file descriptor 2) sent to `/dev/null`, then
 * puts it back: Dawn prints warnings from C++ straight to it when it creates an adapter (on Mesa:
 * "maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 …", twice, on
 * every start), which no JavaScript hook can catch. Linux only, and only where standard error is a
 * terminal or a pipe (it reopens the original stream through `/proc/self/fd`); elsewhere, with
 * standard error redirected to a file, when descriptors 0 to 2 are not all open, or with
 * `DOWNHILL_WEBGPU_VERBOSE=1`, `fn` runs with standard error untouched.
 */
export async function withQuietNativeStderr<T>(fn: () => Promise<T>, env: Record<string, string | undefined>): Promise<T> {
  if (process.platform !== 'linux' || env.DOWNHILL_WEBGPU_VERBOSE === '1') return fn();
  const fs = await importRuntime<typeof import('node:fs')>('node:fs');
  let saved: number;
  try {
    fs.fstatSync(0);
    fs.fstatSync(1);
    // A regular file has an offset that a reopened descriptor would not share: leave files alone.
    if (fs.fstatSync(2).isFile()) return fn();
    saved = fs.openSync('/proc/self/fd/2', 'a'); // the same pipe, terminal or file, opened again
  } catch {
    return fn();
  }
  let muted = false;
  try {
    fs.closeSync(2);
    const devNull = fs.openSync('/dev/null', 'a'); // the lowest free descriptor: 2
    muted = devNull === 2;
    if (!muted) {
      fs.closeSync(devNull);
      restore(fs, saved);
      return await fn();
    }
    return await fn();
  } finally {
    if (muted) {
      fs.closeSync(2);
      restore(fs, saved);
    }
    fs.closeSync(saved);
  }
}

/** Makes descriptor 2 the stream `saved` refers to again (descriptor 2 is free). */
function restore(fs: typeof import('node:fs'), saved: number): void {
  const fd = fs.openSync(`/proc/self/fd/${saved}`, 'a');
  if (fd !== 2) throw new Error(`backend-webgpu: could not restore standard error (got descriptor ${fd})`);
}
