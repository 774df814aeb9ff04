/**
 * Peak learning rates that train this MLP well with the default warmup-cosine schedule, per
 * optimizer, used when `--lr` is not given (so `--compare adam,sgd,adadelta` compares each at a
 * sensible rate rather than all at Adam's). Adaptive methods sit near 1e-3; plain SGD needs a
 * hundred times more; AdaDelta's rate multiplies an already unit-corrected step; Lion's sign
 * updates are large, so its rate is small (Chen et al. suggest 3-10× below AdamW's).
 */
export const DEFAULT_LR: Readonly<Record<string, number>> = {
  adam: 1e-3,
  adamw: 1e-3,
  nadam: 1e-3,
  amsgrad: 1e-3,
  radam: 1e-3,
  adamax: 2e-3,
  adabelief: 1e-3,
  rmsprop: 1e-3,
  adagrad: 1e-2,
  adadelta: 1,
  sgd: 0.05,
  lion: 1e-4,
  lamb: 2e-3,
  lars: 0.5,
  adafactor: 1e-2,

  adan: 2e-3,
  yogi: 1e-2,
  novograd: 1e-2,
  rprop: 1e-3,
  sm3: 2e-2,
  fromage: 1e-2,
  signSgd: 1e-4,
  signum: 1e-4,
  noisySgd: 0.05,
  polyakSgd: 1,
  optimisticGradientDescent: 0.05,
  optimisticAdam: 1e-3,
  adamaxw: 2e-3,
  nadamw: 1e-3,
  ftrl: 5e-2,
  asgd: 0.05,

  // catalogue: classics (optax aliases, torch.optim) above this line

  muon: 1e-3, // with Moonshot's scaling (DEFAULT_OPTIONS below): AdamW's rate
  'schedulefree-sgd': 0.5,
  'schedulefree-adamw': 3.5e-3, // with weight decay 0.08 (DEFAULT_OPTIONS below)
  prodigy: 1,
  adopt: 1e-3,
  ademamix: 1e-3,
  'cautious-adamw': 1e-3,
  'dadapt-adam': 1,
  dog: 1,
  mars: 3e-3,
  normuon: 0.02,
  mechanic: 1,
  // catalogue: methods of the last years above this line

  sophia: 1e-3,
  adahessian: 0.05,
  shampoo: 0.1, // 3 epochs, roots every 10 steps (docs/optimizers.md): 1e-3 67.69%, 1e-2 92.93%, 3e-2 95.73%, 0.1 97.81%
  soap: 3e-3,
  // catalogue: second order, wrappers, line search above this line
};

/**
 * Options besides the rate that this job gives an optimizer by default (most take none). Muon runs
 * with Moonshot's scaling, `scaling: 'moonshot'` (Liu et al. 2025, "Muon is Scalable for LLM
 * Training"; PyTorch's `adjust_lr_fn="match_rms_adamw"`): the orthogonalized update is scaled by
 * `0.2·√max(fanIn, fanOut)` to the RMS of AdamW's update, so AdamW's rate (1e-3, `DEFAULT_LR`)
 * serves both its matrices and its Adam fallback (biases), with no rate of its own to tune. The
 * authors' scaling `√max(1, fanOut/fanIn)` is 1 on every layer of this MLP (fan-out ≤ fan-in), so
 * it needs Muon's own rate (0.02) and gives the biases' Adam fallback that rate too. Measured (3
 * epochs, seed 0, docs/optimizers.md): 'moonshot' at 1e-3 98.32%; the authors' scaling at 0.02
 * 98.23%, at 0.03 97.85%, at 0.02 with the fallback at 1e-3 98.28%; Adam 98.24%.
 *
 * Schedule-free AdamW runs with weight decay 0.08 at `y` (the value of Defazio et al.'s tuned
 * AlgoPerf submission in facebookresearch/schedule_free; the reference class defaults to 0) and
 * 3.5e-3 (`DEFAULT_LR`; the authors suggest 1–10× the scheduled method's rate, AdamW's is 1e-3),
 * warmed up over 5% of the run inside the method (train.ts). At 8 epochs against AdamW with
 * warmup-cosine (docs/optimizers.md, one run per seed): 98.55% on seed 0 (AdamW 98.51%) and
 * 98.48% over seeds 0–4 (AdamW 98.43%), where the reference's defaults (2.5e-3, no decay) gave
 * 98.46% and 98.38%, behind on four seeds of five. Decay 0.08 at 2.5e-3 averaged 98.45% but gave
 * 98.46% on seed 0; b2 0.99 or 0.95, the AlgoPerf set (b2 0.9955, `r` 0.75, warmup 2%) and a
 * delayed average did no better on seeds 0 and 1.
 */
export const DEFAULT_OPTIONS: Readonly<Record<string, Readonly<Record<string, string | number | boolean>>>> = {
  muon: { scaling: 'moonshot' },
  'schedulefree-adamw': { weightDecay: 0.08 },
};

/**
 * Where the CNN (`--model cnn`) trains best at another peak rate than the MLP: Adam at 3e-3 with
 * the CNN's dropout 0.4 reached 99.25% in 4 epochs, against 99.19% at 2e-3 and 99.05% at 1e-3
 * (one run each, seed 0; README, "The CNN"). Optimizers not listed take the MLP's rate.
 */
export const CNN_DEFAULT_LR: Readonly<Record<string, number>> = {
  adam: 3e-3,
};

/** The learning rate for an optimizer: the one given, else its default (the CNN's where it has one), else 1e-3. */
export function learningRateFor(
  optimizer: string,
  given: number | undefined,
  model: 'mlp' | 'cnn' = 'mlp',
): { lr: number; source: 'flag' | 'default' | 'fallback' } {
  if (given !== undefined) return { lr: given, source: 'flag' };
  const d = (model === 'cnn' ? CNN_DEFAULT_LR[optimizer] : undefined) ?? DEFAULT_LR[optimizer];
  return d === undefined ? { lr: 1e-3, source: 'fallback' } : { lr: d, source: 'default' };
}
