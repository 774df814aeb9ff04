/**
 * An optimizer plugin for downhill: AdaBelief, written as a gradient transformation from the public
 * API of `@downhill/optimizers`. Import `./register` to select it by name.
 *
 * @packageDocumentation
 */
export { adabelief, type AdaBeliefOptions } from './adabelief.js';
export { scaleByBelief, type ScaleByBeliefOptions, type ScaleByBeliefState } from './scale-by-belief.js';
