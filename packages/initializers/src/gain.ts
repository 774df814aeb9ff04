import { InvalidArgumentError } from '@downhill/backend';

/** The nonlinearities {@link calculateGain} knows. */
export type Nonlinearity = 'linear' | 'identity' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

/** Every {@link Nonlinearity}, for error messages and tables of tests. */
export const NONLINEARITIES: readonly Nonlinearity[] = ['linear', 'identity', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'selu'];

/**
 * The recommended gain of a nonlinearity: the factor by which to scale a weight's standard
 * deviation so activations keep their scale through the layer.
 *
 * | nonlinearity | gain |
 * |---|---|
 * | `linear`, `identity`, `sigmoid` | 1 |
 * | `tanh` | 5/3 |
 * | `relu` | √2 |
 * | `leakyRelu` (negative slope a) | √(2 / (1 + a²)) |
 * | `selu` | 3/4 |
 *
 * @param nonlinearity - One of {@link NONLINEARITIES}.
 * @param param - The negative slope of `leakyRelu`; default 0.01 (PyTorch's default here).
 * @returns The gain.
 *
 * @example
 * ```ts
 * import { calculateGain } from '@downhill/initializers';
 * calculateGain('relu'); // 1.4142135623730951
 * calculateGain('leakyRelu', 0.2); // √(2 / 1.04)
 * ```
 *
 * Follows PyTorch's `torch.nn.init.calculate_gain` (SELU's 3/4 is PyTorch's choice for
 * self-normalizing networks). He et al., "Delving Deep into Rectifiers", ICCV 2015,
 * https://arxiv.org/abs/1502.01852
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'identity':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const a = param ?? 0.01;
      if (typeof a !== 'number' || !Number.isFinite(a)) {
        throw new InvalidArgumentError(`calculateGain: the negative slope of leakyRelu must be a finite number, got ${String(a)}`);
      }
      return Math.sqrt(2 / (1 + a * a));
    }
    case 'selu':
      return 3 / 4;
    default:
      nonlinearity satisfies never;
      throw new InvalidArgumentError(
        `calculateGain: unknown nonlinearity ${JSON.stringify(nonlinearity)}; expected one of ${NONLINEARITIES.join(', ')}`,
      );
  }
}
