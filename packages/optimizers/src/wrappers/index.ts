// Wrappers: gradient transformations that wrap others (optax's wrappers.py, combine.py, lookahead.py).
export { masked, type MaskedState } from './masked.js';
export { multiTransform, type GroupLabels, type MultiTransformOptions } from './multi-transform.js';
export { multiSteps, type MultiStepsState } from './multi-steps.js';
export { applyIfFinite, allFinite, NonFiniteGradientsError, type ApplyIfFiniteState } from './apply-if-finite.js';
export { lookahead, type LookaheadOptions, type LookaheadState } from './lookahead.js';
export { paramsEma, emaParams, type ParamsEmaState } from './params-ema.js';
export { flushSubnormals } from './flush-subnormals.js';
