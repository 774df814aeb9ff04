import { lrRegimes } from 'downhill-example-surfaces';
import type { PlaygroundConfig, RunSpec } from './config.js';

/** A configuration worth a look, with what it shows. */
export interface Preset {
  readonly id: 'regimes' | 'momentum' | 'saddle' | 'bias' | 'noise';
  /** The button's text. */
  readonly title: string;
  readonly config: PlaygroundConfig;
  /** A paragraph on what to see. */
  readonly explanation: string;
  /** One line per run, in run order (the regimes name theirs). */
  readonly runNotes?: readonly string[];
}

const run = (optimizer: string, options: Record<string, number | boolean>, more: Partial<RunSpec> = {}): RunSpec => ({
  optimizer,
  options,
  schedule: 'constant',
  biasCorrection: true,
  ...more,
});

/** The largest curvature of the regimes' bowl (a ravine with κ = 4). */
const REGIMES_L = 4;

/**
 * The playground's lessons: the learning rate's regimes, momentum in a ravine, the saddle, Adam's
 * bias correction, and minibatch noise.
 */
export const PRESETS: readonly Preset[] = [
  {
    id: 'regimes',
    title: 'Learning-rate regimes',
    config: {
      surface: 'ravine',
      kappa: REGIMES_L,
      noise: 1,
      seed: 1,
      start: [-2.4, 0.9],
      steps: 60,
      runs: lrRegimes(REGIMES_L).map((r) => run('sgd', { lr: Number(r.lr.toPrecision(6)) })),
    },
    explanation:
      `Plain gradient descent on a quadratic bowl whose curvatures are 1 and L = ${REGIMES_L}. Along a direction of curvature h each step multiplies the error by 1 − ηh: ` +
      `below 2/L = ${2 / REGIMES_L} every direction shrinks; past 1/L the steep one overshoots and changes sign each step; past 2/L it grows.`,
    runNotes: lrRegimes(REGIMES_L).map((r) => `${r.label}: ${r.explanation}`),
  },
  {
    id: 'momentum',
    title: 'Momentum in a ravine',
    config: {
      surface: 'ravine',
      kappa: 100,
      noise: 1,
      seed: 1,
      start: [-2.6, 1.2],
      steps: 100,
      runs: [run('sgd', { lr: 0.019 }), run('sgd', { lr: 0.019, momentum: 0.8 })],
    },
    explanation:
      'A ravine with condition number κ = 100. Plain SGD needs η < 2/100 to stay stable across the ravine, so at η = 0.019 it bounces from wall to wall and crawls along the floor. ' +
      'Heavy-ball momentum with the same η averages the bouncing away and builds up speed along the floor: with β = 0.8 the step along a steady slope grows to η/(1 − β), five times larger.',
  },
  {
    id: 'saddle',
    title: 'The saddle',
    config: {
      surface: 'saddle',
      kappa: 50,
      noise: 1,
      seed: 1,
      start: [-1.8, 0.001],
      steps: 150,
      runs: [run('sgd', { lr: 0.02 }), run('sgd', { lr: 0.003, momentum: 0.9 }), run('rmsprop', { lr: 0.01 }), run('adam', { lr: 0.03 })],
    },
    explanation:
      'Started almost on the ridge of f = x² + y⁴/4 − y²/2, every method first slides down to the saddle at the origin. There the gradient that leads away is tiny (y = 0.001): ' +
      'plain SGD creeps, momentum only a little faster, while RMSProp and Adam, which divide by the gradient’s running scale, blow the tiny gradient up and leave at once.',
  },
  {
    id: 'bias',
    title: 'Adam’s bias correction',
    config: {
      surface: 'ravine',
      kappa: 10,
      noise: 1,
      seed: 1,
      start: [-2.6, 1.2],
      steps: 50,
      runs: [run('adam', { lr: 0.1 }), run('adam', { lr: 0.1 }, { biasCorrection: false })],
    },
    explanation:
      'Adam’s moments start at zero, so early on they underestimate: m by the factor 1 − β1ᵗ, v by 1 − β2ᵗ. Bias correction divides both back out. ' +
      'Without it, with β1 = 0.9 and β2 = 0.999, the step m/√v is several times too large in the first tens of steps (at t = 10: (1 − 0.9¹⁰)/√(1 − 0.999¹⁰) ≈ 6.5): the uncorrected run leaps across the ravine before it settles.',
  },
  {
    id: 'noise',
    title: 'Minibatch noise',
    config: {
      surface: 'noisy',
      kappa: 50,
      noise: 1,
      seed: 1,
      start: [-2.6, 1.2],
      steps: 200,
      runs: [run('sgd', { lr: 0.05 }), run('sgd', { lr: 0.05 }, { schedule: 'cosine' }), run('adam', { lr: 0.05 })],
    },
    explanation:
      'Each step sees a minibatch’s gradient: the true gradient plus noise (here of covariance σ²H, σ = 1; all runs see the same minibatches). ' +
      'With a constant learning rate SGD reaches the bottom quickly and then wanders in a cloud whose size grows with η; decaying η (cosine) shrinks the cloud and the loss keeps falling. ' +
      'Adam’s steps do not shrink as the gradient’s mean vanishes, since it divides by the noise’s scale: it needs a decaying η too.',
  },
];
