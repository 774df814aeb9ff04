import { beale, logistic, makeRavine, noisyQuadratic, rosenbrock, saddle, type TestFunction } from 'downhill-example-surfaces';
import type { PlaygroundConfig } from './config.js';

let last: { key: string; fn: TestFunction } | undefined;

/**
 * The test function a configuration names, with its parameters (the ravine's κ, the noisy
 * quadratic's σ and seed). The same settings give the same object (the last one is kept).
 *
 * @param c - The surface's settings.
 * @returns The function, from `downhill-example-surfaces`.
 *
 * @example
 * ```ts
 * makeSurface({ surface: 'ravine', kappa: 200, noise: 1, seed: 1 }).title; // 'Ravine: ill-conditioned quadratic (κ = 200)'
 * ```
 */
export function makeSurface(c: Pick<PlaygroundConfig, 'surface' | 'kappa' | 'noise' | 'seed'>): TestFunction {
  const key = c.surface === 'ravine' ? `ravine:${c.kappa}` : c.surface === 'noisy' ? `noisy:${c.noise}:${c.seed}` : c.surface;
  if (last?.key === key) return last.fn;
  const fn =
    c.surface === 'ravine'
      ? makeRavine(c.kappa)
      : c.surface === 'noisy'
        ? noisyQuadratic({ noise: c.noise, seed: c.seed })
        : { rosenbrock, beale, saddle, logistic }[c.surface];
  last = { key, fn };
  return fn;
}
