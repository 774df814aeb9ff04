import * as tf from '@tensorflow/tfjs-core';
import { runConformanceSuite } from '@downhill/backend/conformance';
import { cpu } from '@downhill/backend-cpu';
import { tfjs } from '@downhill/backend-tfjs';
import { TFJS_WASM_EXCLUSIONS } from './conformance-exclusions.js';

// backend-tfjs over TensorFlow.js's wasm backend, in float32, against backend-cpu in float64.
runConformanceSuite({
  name: 'tfjs-wasm',
  create: () => tfjs({ tfBackend: 'wasm' }),
  reference: () => cpu(),
  dtypes: ['float32'],
  exclusions: TFJS_WASM_EXCLUSIONS,
  nativeCount: () => tf.memory().numTensors,
});
