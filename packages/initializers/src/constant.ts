import { InvalidArgumentError } from '@downhill/backend';
import { filledInitializer, shown, type Initializer } from './initializer.js';

/**
 * Fills with zeros (any dtype; needs no key).
 *
 * $$ W = 0 $$
 *
 * @returns The initializer.
 *
 * @example
 * ```ts
 * import { zeros } from '@downhill/initializers';
 * const b = zeros()(backend, [256]); // float32 zeros
 * ```
 */
export function zeros(): Initializer {
  return filledInitializer('zeros', 0);
}

/**
 * Fills with ones (any dtype; needs no key).
 *
 * $$ W = 1 $$
 *
 * @returns The initializer.
 *
 * @example
 * ```ts
 * import { ones } from '@downhill/initializers';
 * const gamma = ones()(backend, [64]); // a batch-norm scale
 * ```
 */
export function ones(): Initializer {
  return filledInitializer('ones', 1);
}

/**
 * Fills with one value (any dtype; needs no key).
 *
 * $$ W = c $$
 *
 * @param value - `c`, a finite number.
 * @returns The initializer.
 *
 * @example
 * ```ts
 * import { constant } from '@downhill/initializers';
 * const b = constant(0.1)(backend, [256]); // a small positive bias for ReLU units
 * ```
 */
export function constant(value: number): Initializer {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`constant: value must be a finite number, got ${shown(value)}`);
  }
  return filledInitializer('constant', value);
}
