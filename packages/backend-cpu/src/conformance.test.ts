import { runConformanceSuite } from '@downhill/backend/conformance';
import { cpu } from '@downhill/backend-cpu';

// Every case is computed on backend-cpu (float32 and float64) and on the suite's own reference, a
// float64 JavaScript implementation of every primitive independent of backend-cpu, so no case
// compares backend-cpu with itself.
runConformanceSuite({
  name: 'cpu',
  create: () => cpu(),
  dtypes: ['float32', 'float64'],
});
