import * as tf from '@tensorflow/tfjs-core';
import { runConformanceSuite } from '@downhill/backend/conformance';
import { tfjs } from '@downhill/backend-tfjs';
import { TFJS_CPU_EXCLUSIONS } from './conformance-exclusions.js';

// backend-tfjs over TensorFlow.js's cpu backend, in float32, against the suite's float64 reference.
runConformanceSuite({
  name: 'tfjs-cpu',
  create: () => tfjs({ tfBackend: 'cpu' }),
  dtypes: ['float32'],
  exclusions: TFJS_CPU_EXCLUSIONS,
  nativeCount: () => tf.memory().numTensors,
});
