/**
 * An optimizer plugin for downhill: QHAdam (quasi-hyperbolic Adam), written as a gradient
 * transformation from the public API of `@downhill/optimizers`. Import `./register` to select it by
 * name.
 *
 * @packageDocumentation
 */
export { qhadam, type QhadamOptions } from './qhadam.js';
export { checkDiscount, scaleByQhadam, type ScaleByQhadamOptions, type ScaleByQhadamState } from './scale-by-qhadam.js';
