/**
 * `@downhill/initializers`: seeded, deterministic weight initializers. Values are drawn on the
 * host in float64 from an {@link Rng} key (pure-rand's xoroshiro128+) and made on the backend in
 * the requested dtype, so one key gives bitwise the same weights on every backend.
 *
 * Layout convention: dense kernels are `[inFeatures, outFeatures]` (`x @ W`), convolution kernels
 * `[...kernel, inChannels, outChannels]`; see {@link computeFans}.
 *
 * @packageDocumentation
 */
export { Rng, rng } from './rng.js';
export type { InitOptions, Initializer } from './initializer.js';
export { computeFans, type FanAxes, type Fans } from './fans.js';
export { NONLINEARITIES, calculateGain, type Nonlinearity } from './gain.js';
export { constant, ones, zeros } from './constant.js';
export {
  normal,
  truncatedNormal,
  uniform,
  type NormalOptions,
  type TruncatedNormalOptions,
  type UniformOptions,
} from './random.js';
export {
  TRUNCATED_NORMAL_STD_AT_2,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  lecunNormal,
  lecunUniform,
  varianceScaling,
  type Distribution,
  type FanMode,
  type GlorotOptions,
  type HeOptions,
  type NormalMemberOptions,
  type VarianceScalingOptions,
} from './variance-scaling.js';
export { orthogonal, type OrthogonalOptions } from './orthogonal.js';
