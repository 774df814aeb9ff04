/**
 * `@downhill/curvature`: see the loss surface. The Hessian's extreme eigenvalues and eigenvectors
 * (Lanczos with full reorthogonalization, power iteration), its trace and diagonal (Hutchinson),
 * its eigenvalue density (stochastic Lanczos quadrature), the gradient noise scale and critical
 * batch size, the learning-rate range test, and the loss along lines and over planes. Each tool is
 * a function of a loss closure and a parameter tree, float32 or float64, on any backend; the
 * curvature comes from `@downhill/autograd`'s Hessian-vector products, never a formed Hessian.
 *
 * @packageDocumentation
 */
export type { RandomOptions } from './keys.js';
export type { LossFn } from './hessian-operator.js';
export { tridiagonalEigen, type TridiagonalEigen } from './tridiagonal-eigen.js';
export {
  hessianEigenvalues,
  type ConvergenceReport,
  type EigenPair,
  type HessianEigenvalues,
  type HessianEigenvaluesOptions,
  type SpectrumEnd,
} from './hessian-eigenvalues.js';
export { hessianTopEigenvalue, type PowerIterationOptions, type TopEigenvalue } from './power-iteration.js';
export { hessianDiagonal, hessianTrace, type DiagonalEstimate, type HutchinsonOptions, type TraceEstimate } from './hutchinson.js';
export { hessianSpectralDensity, type SpectralDensity, type SpectralDensityOptions } from './spectral-density.js';
export {
  gradientNoiseScale,
  noiseScaleFromNorms,
  type BatchesOfSize,
  type GradientNoiseScale,
  type GradientNoiseScaleOptions,
  type GradientVariance,
  type NoiseScale,
  type NormsAtTwoSizes,
} from './noise-scale.js';
export { lrRangeTest, type LrRangeTest, type LrRangeTestOptions, type OptimizerLike } from './lr-range-test.js';
export { lossAlongLine, type LossAlongLine, type LossAlongLineOptions } from './loss-line.js';
export { lossPlane, projectOntoPlane, type LossPlane, type LossPlaneOptions } from './loss-plane.js';
export {
  filterNormalizedDirections,
  trajectoryDirections,
  type FilterNormalizedOptions,
  type TrajectoryDirections,
  type TrajectoryDirectionsOptions,
} from './directions.js';
