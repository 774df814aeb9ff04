import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { runConformanceSuite } from '@downhill/backend/conformance';
import type { Backend } from '@downhill/backend';
import { cuda } from './cuda.js';

// The shared conformance suite on the CUDA backend in float32 against the suite's float64 reference, where
// tfjs-node-gpu loads and finds a GPU; elsewhere (as on machines without CUDA) skipped, with the
// reason printed.
let backend: Backend | undefined;
let reason = '';
try {
  backend = await cuda();
} catch (e) {
  reason = (e as Error).message;
  console.log(`skipping the CUDA conformance run: ${reason}`);
}

if (backend) {
  runConformanceSuite({
    name: 'cuda',
    create: () => backend!,
    dtypes: ['float32'],
    nativeCount: () => tf.memory().numTensors,
  });
} else {
  describe('conformance: cuda', () => {
    it.skip(`skipped: ${reason.split(';')[0]}`, () => {});
  });
}
