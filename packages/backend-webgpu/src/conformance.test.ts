import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { runConformanceSuite } from '@downhill/backend/conformance';
import { WEBGPU_EXCLUSIONS } from './conformance-exclusions.js';
import { webgpuForTests } from './test-helpers.js';

// The shared conformance suite on the WebGPU backend in float32, against the suite's float64 reference.
const { backend, reason } = await webgpuForTests();
// tfjs computes ops on small host-resident inputs with its CPU kernels; the suite's tensors are
// small, so turn that off here to test the WGSL shaders themselves.
tf.env().set('WEBGPU_CPU_FORWARD', false);
if (backend) {
  runConformanceSuite({
    name: 'webgpu',
    create: () => backend,
    dtypes: ['float32'],
    exclusions: WEBGPU_EXCLUSIONS,
    nativeCount: () => tf.memory().numTensors,
  });
} else {
  describe('conformance: webgpu', () => {
    it.skip(`skipped: ${reason}`, () => {});
  });
}
