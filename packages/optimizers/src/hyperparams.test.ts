import { DownhillError, InvalidArgumentError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { HYPERPARAM_RULES, checkNamedHyperparam } from './hyperparams.js';
import { setHyperparams } from './inject-hyperparams.js';
import { radam } from './optimizers/radam.js';
import { scaleByParamBlockRms } from './transforms/block-rms.js';
import { scaleByRadam } from './transforms/scale-by-radam.js';

const b = cpu();

describe('hyperparameter ranges', () => {
  it("RAdam's threshold below 4 is refused (the rectification would take the root of a negative number)", () => {
    for (const threshold of [3.9, 0, -1]) {
      expect(() => radam(1e-3, { threshold })).toThrow(InvalidArgumentError);
      expect(() => scaleByRadam({ threshold })).toThrow(/'threshold' must be a finite number ≥ 4/);
    }
    expect(() => radam(1e-3, { threshold: 4 })).not.toThrow();
    // A schedule that yields a bad threshold is refused when used, and setHyperparams refuses one.
    const params = { w: b.tensor([1, 2], [2], 'float64') };
    const state = radam(1e-3).init(params);
    expect(() => setHyperparams(state, { threshold: 2 })).toThrow(/'threshold' must be a finite number ≥ 4.*got 2/);
    b.dispose([params.w]);
  });

  it('scaleByParamBlockRms names its own option (minScale), not eps', () => {
    expect(() => scaleByParamBlockRms(-1)).toThrow(/hyperparameter 'minScale' must be a finite number ≥ 0, got -1/);
  });

  it('the rules are explicit: every name the package defines has one; a plugin name must be finite', () => {
    expect(Object.keys(HYPERPARAM_RULES)).toContain('minScale');
    expect(checkNamedHyperparam('plugin', 'myKnob', -3)).toBe(-3);
    for (const bad of [Infinity, NaN, '1', undefined]) {
      let err: unknown;
      try {
        checkNamedHyperparam('plugin', 'myKnob', bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DownhillError);
    }
  });
});
