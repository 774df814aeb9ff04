/**
 * Charts for the examples (private, never published): {@link renderVegaLite} turns a Vega-Lite
 * spec into SVG and PNG in Node, {@link pngSize} reads a PNG's size back for tests.
 *
 * @packageDocumentation
 */
export { renderVegaLite, type Rendered } from './render.js';
export { pngSize } from './png-size.js';
