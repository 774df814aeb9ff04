import { checkHyperparam } from '../hyperparams.js';
import { mapTrees } from '../tree.js';
import type { GradientTransformation } from '../types.js';
import { needParams } from './needs-params.js';
import { rms } from './math.js';
import type { EmptyState } from './scale.js';
import { sameDType } from './layerwise.js';

/**
 * Adafactor's update clipping: scales each parameter's update down so that its root mean square
 * is at most `threshold` (optax's `clip_by_block_rms`).
 *
 * ```text
 * u ← u / max(1, RMS(u) / d)
 * ```
 *
 * @param threshold - `d > 0` (Adafactor uses 1).
 * @returns A stateless transformation.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByFactoredRms(), clipByBlockRms(1));
 * ```
 *
 * Shazeer and Stern, 2018, "Adafactor", section 6 (https://arxiv.org/abs/1804.04235).
 */
export function clipByBlockRms(threshold: number): GradientTransformation<EmptyState> {
  const where = 'clipByBlockRms';
  checkHyperparam(where, 'clippingThreshold', threshold);
  return {
    name: where,
    init: () => ({}),
    update: (grads, state) => [
      mapTrees([grads], ([u]) => u.backend.div(u, u.backend.binary('maximum', u.backend.div(rms(u), threshold), 1)), {
        where,
        labels: ['update'],
      }),
      state,
    ],
  };
}

/**
 * Scales each parameter's update by the parameter's root mean square, bounded below: Adafactor's
 * relative step size (optax's `scale_by_param_block_rms`).
 *
 * ```text
 * u ← u · max(RMS(p), ε₂)
 * ```
 *
 * @param minScale - `ε₂` (default 1e-3).
 * @returns A stateless transformation (needs `params`).
 *
 * @example
 * ```ts
 * const tx = chain(scaleByFactoredRms(), scaleByParamBlockRms(), scaleByLearningRate(1e-2));
 * ```
 *
 * Shazeer and Stern, 2018, "Adafactor", section 8 (https://arxiv.org/abs/1804.04235).
 */
export function scaleByParamBlockRms(minScale = 1e-3): GradientTransformation<EmptyState> {
  const where = 'scaleByParamBlockRms';
  checkHyperparam(where, 'minScale', minScale);
  return {
    name: where,
    init: () => ({}),
    update: (grads, state, params) => [
      mapTrees(
        [grads, needParams(params, where)],
        ([u, p]) => u.backend.mul(u, u.backend.binary('maximum', rms(sameDType(p, u)), minScale)),
        {
          where,
          labels: ['update', 'parameter'],
          dtype: false,
        },
      ),
      state,
    ],
  };
}
