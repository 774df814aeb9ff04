import { runConformanceSuite } from '@downhill/backend/conformance';
import { cpu } from '@downhill/backend-cpu';

// backend-cpu is the reference itself: this run checks the suite's contract rules (errors, memory,
// read-back, fused updates in place) and that float32 stays within tolerance of float64.
runConformanceSuite({
  name: 'cpu',
  create: () => cpu(),
  reference: () => cpu(),
  dtypes: ['float32', 'float64'],
});
