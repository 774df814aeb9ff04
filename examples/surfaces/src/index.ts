/**
 * Two-dimensional test surfaces for optimizers, shared by the optimizer-paths example (static
 * figures) and the browser example's playground (live): the functions, their contour grids, and
 * optimizers walking over them.
 *
 * @packageDocumentation
 */
export {
  BOWL_L,
  FUNCTIONS,
  RAVINE_KAPPA,
  beale,
  bowl,
  lrFor,
  makeRavine,
  ravine,
  rosenbrock,
  saddle,
  type TestFunction,
} from './functions.js';
export { noisyQuadratic, type NoisyQuadraticOptions } from './noisy-quadratic.js';
export { IRIS_PETALS, logistic, logisticLoss } from './logistic.js';
export { contourRings, sampleGrid, type ContourRing, type Grid } from './grid.js';
export { drawable } from './drawable.js';
export { ALIASES, DIVERGED, Descent, descend, makeOptimizer, type Path } from './descend.js';
export { lrRegimes, type LrRegime } from './regimes.js';
