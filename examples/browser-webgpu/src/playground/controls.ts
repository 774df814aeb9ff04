/** How an option is edited: a slider on a log or linear scale (with a number field beside it), a checkbox, or a number field alone. */
export type Control =
  | { readonly kind: 'log' | 'linear'; readonly min: number; readonly max: number; readonly step: number }
  | { readonly kind: 'bool' }
  | { readonly kind: 'number' };

const LINEAR = (min: number, max: number, step: number): Control => ({ kind: 'linear', min, max, step });

/** The controls of the options the registry's optimizers take, by option name. */
const CONTROLS: Readonly<Record<string, Control>> = {
  lr: { kind: 'log', min: -5, max: 1, step: 0.01 },
  eps: { kind: 'log', min: -12, max: 0, step: 0.1 },
  b1: LINEAR(0, 0.999, 0.001),
  b2: LINEAR(0.9, 0.99999, 0.00001),
  momentum: LINEAR(0, 0.999, 0.001),
  decay: LINEAR(0, 0.999, 0.001),
  rho: LINEAR(0, 0.999, 0.001),
  decayRate: LINEAR(0, 0.999, 0.001),
  weightDecay: LINEAR(0, 0.1, 0.001),
};

/**
 * The control of an option: the learning rate and ε on log scales, the betas and momentum as
 * linear sliders, flags as checkboxes, anything else (a plugin's) as a number field.
 *
 * @param name - The option.
 * @param value - Its default (a boolean makes a checkbox).
 * @returns The control.
 *
 * @example
 * ```ts
 * controlFor('lr', 0.01); // { kind: 'log', min: -5, max: 1, step: 0.01 }
 * ```
 */
export function controlFor(name: string, value: number | boolean): Control {
  if (typeof value === 'boolean') return { kind: 'bool' };
  return CONTROLS[name] ?? { kind: 'number' };
}
