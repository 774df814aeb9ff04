import * as tf from '@tensorflow/tfjs-core';
import { runConformanceSuite } from '@downhill/backend/conformance';
import { cpu } from '@downhill/backend-cpu';
import { tfjs } from '@downhill/backend-tfjs';
import { TFJS_CPU_EXCLUSIONS } from './conformance-exclusions.js';

// backend-tfjs over TensorFlow.js's cpu backend, in float32, against backend-cpu in float64.
runConformanceSuite({
  name: 'tfjs-cpu',
  create: () => tfjs({ tfBackend: 'cpu' }),
  reference: () => cpu(),
  dtypes: ['float32'],
  exclusions: TFJS_CPU_EXCLUSIONS,
  nativeCount: () => tf.memory().numTensors,
});
