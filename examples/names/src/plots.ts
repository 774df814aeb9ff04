import type { TopLevelSpec } from 'vega-lite';
import type { TrainResult } from './train.js';

/**
 * Learning curves in nats per character: the training loss of every step (thin), the validation
 * loss after every epoch (points and line), and the bigram model's validation loss (a dashed rule),
 * all against training steps.
 */
export function learningCurveSpec(result: TrainResult, bigram: number, { title }: { title: string }): TopLevelSpec {
  const stepsPerEpoch = result.stepLosses.length / Math.max(1, result.epochs.length);
  const rows = [
    ...result.stepLosses.map((loss, step) => ({ step: step + 1, loss, curve: 'training (per step)' })),
    ...result.epochs.map((e) => ({ step: Math.round(e.epoch * stepsPerEpoch), loss: e.validationLoss, curve: 'validation (per epoch)' })),
  ];
  const color = {
    field: 'curve',
    type: 'nominal',
    title: null,
    scale: { domain: ['training (per step)', 'validation (per epoch)'], range: ['#9ecae1', '#d62728'] },
    legend: { orient: 'top-right' },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: `dashed: bigram model on the same validation names, ${bigram.toFixed(3)} nats/char` },
    width: 640,
    height: 360,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 1 },
        transform: [{ filter: "datum.curve === 'training (per step)'" }],
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'optimizer step' },
          y: { field: 'loss', type: 'quantitative', title: 'cross-entropy (nats per character)', scale: { zero: false } },
          color,
        },
      },
      {
        mark: { type: 'line', point: true, strokeWidth: 2 },
        transform: [{ filter: "datum.curve === 'validation (per epoch)'" }],
        encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative' }, color },
      },
      {
        data: { values: [{ bigram }] },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#555' },
        encoding: { y: { field: 'bigram', type: 'quantitative' } },
      },
    ],
  };
}
