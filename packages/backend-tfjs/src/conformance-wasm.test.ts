import * as tf from '@tensorflow/tfjs-core';
import { runConformanceSuite } from '@downhill/backend/conformance';
import { tfjs } from '@downhill/backend-tfjs';
import { TFJS_WASM_EXCLUSIONS } from './conformance-exclusions.js';

// backend-tfjs over TensorFlow.js's wasm backend, in float32, against the suite's float64 reference.
runConformanceSuite({
  name: 'tfjs-wasm',
  create: () => tfjs({ tfBackend: 'wasm' }),
  dtypes: ['float32'],
  exclusions: TFJS_WASM_EXCLUSIONS,
  nativeCount: () => tf.memory().numTensors,
});
