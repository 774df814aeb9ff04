/**
 * Unknown options are errors: one row per exported function of the package (see the optimizers'
 * options.test.ts). A new export without a row fails the last test.
 */
import { UnknownOptionError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

const b = cpu();
const BAD = { notAnOption: 1 } as never;
const x = () => b.tensor([0.2, 0.8, 0.5, 0.5], [2, 2], 'float64');
const labels = () => b.tensor([1, 0], [2], 'int32');

const ROWS: Record<string, () => unknown> = {
  meanSquaredError: () => api.meanSquaredError(x(), x(), BAD),
  meanAbsoluteError: () => api.meanAbsoluteError(x(), x(), BAD),
  huberLoss: () => api.huberLoss(x(), x(), BAD),
  sigmoidCrossEntropy: () => api.sigmoidCrossEntropy(x(), x(), BAD),
  softmaxCrossEntropy: () => api.softmaxCrossEntropy(x(), labels(), BAD),
  nllLoss: () => api.nllLoss(x(), labels(), BAD),
  hingeLoss: () => api.hingeLoss(x(), x(), BAD),
  squaredHingeLoss: () => api.squaredHingeLoss(x(), x(), BAD),
  klDivergence: () => api.klDivergence(x(), x(), BAD),
  smoothL1Loss: () => api.smoothL1Loss(x(), x(), BAD),
};

describe('unknown options are errors', () => {
  for (const [name, row] of Object.entries(ROWS)) {
    it(`${name} rejects an unknown key with UnknownOptionError naming the valid keys`, () => {
      expect(row).toThrow(UnknownOptionError);
      expect(row).toThrow(/unknown option 'notAnOption'.* takes .*reduction, weights/);
    });
  }

  it('suggests the nearest key', () => {
    expect(() => api.softmaxCrossEntropy(x(), labels(), { label_smoothing: 0.1 } as never)).toThrow(
      /'label_smoothing' \(did you mean 'labelSmoothing'\?\)/,
    );
  });

  it('every exported function has a row', () => {
    const fns = Object.keys(api).filter((k) => typeof (api as Record<string, unknown>)[k] === 'function');
    expect(fns.filter((k) => !(k in ROWS))).toEqual([]);
  });
});
