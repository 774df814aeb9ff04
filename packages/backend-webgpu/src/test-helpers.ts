import type { Backend } from '@downhill/backend';
import { webgpu } from './webgpu.js';

/**
 * The WebGPU backend for this test file, or why there is none. Where the environment says WebGPU
 * must work (`DOWNHILL_REQUIRE_WEBGPU=1`, set by CI after installing Mesa), a missing adapter is
 * an error instead of a reason to skip.
 */
export async function webgpuForTests(): Promise<{ backend?: Backend; reason?: string }> {
  try {
    return { backend: await webgpu() };
  } catch (e) {
    if (process.env.DOWNHILL_REQUIRE_WEBGPU === '1') throw e;
    const reason = `no WebGPU adapter here (${(e as Error).message})`;
    console.log(`skipping WebGPU tests: ${reason}`);
    return { reason };
  }
}
