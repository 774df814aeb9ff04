import { ops, type TensorLike } from '@downhill/autograd';

/**
 * A two-dimensional test function: elementwise in `x` and `y` (so one definition serves the
 * optimizer, through autograd, and the contour grid, evaluated on whole tensors at once), with the
 * window it is drawn in, where the optimizers start, and its minimum.
 */
export interface TestFunction {
  /** Short name used on the command line and in file names. */
  readonly name: string;
  /** Title over its panel. */
  readonly title: string;
  /** The formula, shown under the title. */
  readonly formula: string;
  /** The function, elementwise on tensors of one shape. */
  readonly f: (x: TensorLike, y: TensorLike) => TensorLike;
  /** The drawn window. */
  readonly xDomain: readonly [number, number];
  readonly yDomain: readonly [number, number];
  /** Where every optimizer starts. */
  readonly start: readonly [number, number];
  /** The (or a) global minimum, marked on the plot; the value there is subtracted before log scaling. */
  readonly minimum: readonly [number, number];
  readonly minValue: number;
  /** Learning rates per optimizer that show each one's character on this function. */
  readonly lr: Readonly<Record<string, number>>;
  /** For quadratics: the smallest and largest curvature (the Hessian's eigenvalues). */
  readonly curvature?: readonly [number, number];
  /**
   * For stochastic functions: the loss whose gradient the optimizer sees at a step (a minibatch's
   * loss); `f` is then the full loss, drawn and reported. Deterministic in the step.
   */
  readonly minibatch?: (step: number) => (x: TensorLike, y: TensorLike) => TensorLike;
}

const { add, sub, mul, square, pow } = ops;

/** Rosenbrock's banana: a curved, flat-bottomed valley; reaching the valley is easy, following it is not. */
export const rosenbrock: TestFunction = {
  name: 'rosenbrock',
  title: 'Rosenbrock: a curved, flat valley',
  formula: 'f(x, y) = (1 − x)² + 100 (y − x²)²',
  f: (x, y) => add(square(sub(1, x)), mul(100, square(sub(y, square(x))))),
  xDomain: [-2, 2],
  yDomain: [-1, 3],
  start: [-1.2, 1.5],
  minimum: [1, 1],
  minValue: 0,
  lr: { sgd: 1e-3, momentum: 3e-4, nesterov: 3e-4, adagrad: 0.3, rmsprop: 0.01, adam: 0.03, adadelta: 1, lion: 0.01, default: 0.03 },
};

/** Beale's function: flat plateaus, steep walls and a narrow curved approach to the minimum at (3, 0.5). */
export const beale: TestFunction = {
  name: 'beale',
  title: 'Beale: plateaus and steep walls',
  formula: 'f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²',
  f: (x, y) =>
    add(
      add(square(add(sub(1.5, x), mul(x, y))), square(add(sub(2.25, x), mul(x, square(y))))),
      square(add(sub(2.625, x), mul(x, pow(y, 3)))),
    ),
  xDomain: [-4.5, 4.5],
  yDomain: [-4.5, 4.5],
  start: [0.7, 1.4],
  minimum: [3, 0.5],
  minValue: 0,
  lr: { sgd: 3e-3, momentum: 3e-4, nesterov: 3e-4, adagrad: 0.3, rmsprop: 0.01, adam: 0.05, adadelta: 1, lion: 0.01, default: 0.05 },
};

/**
 * A saddle at the origin between two minima at (0, ±1): started almost on the ridge, plain
 * gradient descent creeps away from the saddle (the escaping direction's gradient is tiny);
 * momentum and adaptive methods escape much sooner.
 */
export const saddle: TestFunction = {
  name: 'saddle',
  title: 'Saddle: escaping from a ridge',
  formula: 'f(x, y) = x² + y⁴/4 − y²/2',
  f: (x, y) => add(square(x), sub(mul(0.25, pow(y, 4)), mul(0.5, square(y)))),
  xDomain: [-2, 2],
  yDomain: [-2, 2],
  start: [-1.8, 0.001],
  minimum: [0, 1],
  minValue: -0.25,
  lr: { sgd: 0.02, momentum: 3e-3, nesterov: 3e-3, adagrad: 0.1, rmsprop: 0.01, adam: 0.03, adadelta: 1, lion: 0.01, default: 0.03 },
};

/** The condition number of the default ravine: the ratio of its largest to its smallest curvature. */
export const RAVINE_KAPPA = 50;
/** The largest curvature of the bowl (its smallest is 1). */
export const BOWL_L = 4;

const THETA = Math.PI / 6;
const C = Math.cos(THETA);
const S = Math.sin(THETA);

/** The quadratic `½ (u² + κ v²)` with (u, v) the axes turned by 30°, elementwise. */
function turnedQuadratic(kappa: number): TestFunction['f'] {
  return (x, y) => {
    const u = add(mul(C, x), mul(S, y));
    const v = sub(mul(C, y), mul(S, x));
    return mul(0.5, add(square(u), mul(kappa, square(v))));
  };
}

/**
 * A narrow, ill-conditioned ravine: a quadratic with curvatures 1 and κ along axes turned by 30°.
 * A step size stable across the ravine (below 2/κ) crawls along it: gradient descent zigzags;
 * momentum and per-coordinate scaling help.
 *
 * @param kappa - The condition number κ ≥ 1: the ratio of the largest curvature to the smallest.
 * @returns The ravine, drawn on [−3, 3] × [−2, 2], started at (−2.6, 0.2).
 *
 * @example
 * ```ts
 * const narrow = makeRavine(200);
 * ```
 */
export function makeRavine(kappa: number): TestFunction {
  if (!Number.isFinite(kappa) || kappa < 1)
    throw new RangeError(`makeRavine: the condition number must be a finite number ≥ 1, got ${kappa}`);
  return {
    name: 'ravine',
    title: `Ravine: ill-conditioned quadratic (κ = ${kappa})`,
    formula: `f = ½ (u² + ${kappa} v²), u = x cos 30° + y sin 30°, v = −x sin 30° + y cos 30°`,
    f: turnedQuadratic(kappa),
    xDomain: [-3, 3],
    yDomain: [-2, 2],
    start: [-2.6, 0.2],
    minimum: [0, 0],
    minValue: 0,
    curvature: [1, kappa],
    lr: {
      sgd: 0.035 * (RAVINE_KAPPA / kappa),
      momentum: 3e-3,
      nesterov: 3e-3,
      adagrad: 0.3,
      rmsprop: 0.01,
      adam: 0.1,
      adadelta: 1,
      lion: 0.01,
      default: 0.1,
    },
  };
}

/** The ravine with κ = {@link RAVINE_KAPPA}. */
export const ravine: TestFunction = makeRavine(RAVINE_KAPPA);

/**
 * An elongated bowl: a quadratic with curvatures 1 and L = 4, turned by 30°. The learning-rate
 * figure runs plain SGD on it, where the theory is exact: the step is stable below 2/L, fastest
 * near 2/(L + 1), oscillates across the bowl between 1/L and 2/L, and diverges above 2/L.
 */
export const bowl: TestFunction = {
  name: 'bowl',
  title: `Elongated bowl: quadratic with curvatures 1 and ${BOWL_L}`,
  formula: `f = ½ (u² + ${BOWL_L} v²), u = x cos 30° + y sin 30°, v = −x sin 30° + y cos 30°`,
  f: turnedQuadratic(BOWL_L),
  xDomain: [-3, 3],
  yDomain: [-2, 2],
  start: [-2.4, 0.9],
  minimum: [0, 0],
  minValue: 0,
  curvature: [1, BOWL_L],
  lr: { sgd: 0.25, default: 0.1 },
};

/** Every test function, in the order they are drawn. */
export const FUNCTIONS: readonly TestFunction[] = [rosenbrock, beale, saddle, ravine];

/** The learning rate of an optimizer on a function: its entry, else the function's default (tuned for Adam-like methods). */
export function lrFor(fn: TestFunction, optimizer: string): number {
  return fn.lr[optimizer] ?? fn.lr.default;
}
