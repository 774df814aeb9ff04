import { DownhillError, InvalidArgumentError } from './errors.js';

/**
 * The keys of an options type, as an object literal `{ key: true, ... }`. Written at the function
 * that takes the options, it must list every key of the type and nothing else (a missing or extra
 * key does not compile), so the run-time check cannot drift from the type.
 *
 * @example
 * ```ts
 * interface AdamOptions { readonly b1?: number; readonly b2?: number }
 * const ADAM_KEYS = { b1: true, b2: true } as const satisfies OptionKeys<AdamOptions>;
 * ```
 */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

/**
 * An options object with a key the function does not take. Unknown keys are errors, never
 * ignored: `adamw(0.1, { weight_decay: 0.5 })` would otherwise run with the default decay.
 *
 * @example
 * ```ts
 * try { adam(1e-3, { beta1: 0.8 }); } catch (e) {
 *   if (e instanceof UnknownOptionError) console.log(e.option, e.suggestion); // 'beta1' 'b1'
 * }
 * ```
 */
export class UnknownOptionError extends DownhillError {
  /** The unknown key (the first, when several). */
  readonly option: string;
  /** The keys the function takes. */
  readonly validKeys: readonly string[];
  /** The valid key nearest to the unknown one, if one is near. */
  readonly suggestion: string | undefined;
  constructor(message: string, option: string, validKeys: readonly string[], suggestion: string | undefined) {
    super('UNKNOWN_OPTION', message);
    this.option = option;
    this.validKeys = validKeys;
    this.suggestion = suggestion;
  }
}

/**
 * Names other libraries use for our options (PyTorch, optax, Keras, TensorFlow.js), mapped to the
 * options they may mean; the first that the function takes is suggested. Differences of case,
 * `_` and `-` (`weight_decay`, `eps_root`, `warmup_steps`) need no entry.
 */
const ALIASES: Readonly<Record<string, readonly string[]>> = {
  beta1: ['b1'],
  beta2: ['b2'],
  beta3: ['b3'],
  betas: ['b1'],
  beta: ['b1', 'decay', 'momentum'],
  learningrate: ['lr'],
  stepsize: ['lr'],
  alpha: ['decay', 'lr', 'negativeSlope', 'rate'],
  rho: ['decay', 'rho'],
  epsilon: ['eps'],
  epsilonroot: ['epsRoot'],
  weightdecayrate: ['weightDecay'],
  decoupledweightdecay: ['weightDecay'],
  l2: ['weightDecay'],
  lrdecay: ['decayRate'],
  clipnorm: ['maxNorm'],
  clipvalue: ['maxDelta'],
  maxgradnorm: ['maxNorm'],
  eta: ['trustCoefficient'],
  trustratio: ['trustCoefficient'],
  nesterovmomentum: ['nesterov'],
  usenesterov: ['nesterov'],
  inplace: ['inPlace'],
  tmax: ['decaySteps'],
  etamin: ['alpha', 'endValue'],
  initialvalue: ['initValue'],
  initlr: ['initValue'],
  peaklr: ['peakValue'],
  maxlr: ['peakValue', 'maxValue'],
  finallr: ['endValue'],
  gamma: ['decayRate', 'scale'],
  p: ['rate'],
  droprate: ['rate'],
  keepprob: ['rate'],
  usebias: ['bias', 'useBias'],
  units: ['outFeatures', 'units'],
  infeatures: ['inFeatures', 'inputSize'],
  outfeatures: ['outFeatures', 'units'],
  kernelinitializer: ['kernelInit', 'init'],
  biasinitializer: ['biasInit'],
  fromlogits: ['logits'],
  labelsmoothing: ['labelSmoothing'],
  ignoreindex: ['ignoreIndex'],
  delta: ['delta'],
  mode: ['mode'],
  distribution: ['distribution'],
  randomseed: ['seed'],
};

const normalize = (k: string) => k.toLowerCase().replace(/[_\-\s]/g, '');

/** Optimal string alignment distance (Levenshtein with adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The valid key nearest to an unknown one: the same letters up to case, `_` and `-`; else a name
 * another library uses for it (`beta1` → `b1`, `alpha` → `decay`); else the one key it abbreviates
 * (`prio` → `priority`); else the nearest by edit distance, when at most a third of its length (and at least one) edit away.
 *
 * @example
 * ```ts
 * nearestOption('weight_decay', ['lr', 'weightDecay']); // 'weightDecay'
 * nearestOption('beta1', ['b1', 'b2']); // 'b1'
 * nearestOption('moemntum', ['momentum', 'nesterov']); // 'momentum'
 * ```
 */
export function nearestOption(key: string, validKeys: readonly string[]): string | undefined {
  const n = normalize(key);
  const same = validKeys.find((k) => normalize(k) === n);
  if (same !== undefined) return same;
  for (const target of ALIASES[n] ?? []) if (validKeys.includes(target)) return target;
  // An abbreviation (`prio` for `priority`): the one valid key that begins with it.
  const longer = n.length >= 3 ? validKeys.filter((k) => normalize(k).startsWith(n)) : [];
  if (longer.length === 1) return longer[0];
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of validKeys) {
    const dist = editDistance(n, normalize(k));
    if (dist < bestD) {
      bestD = dist;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(n.length / 3)) ? best : undefined;
}

/**
 * Checks an options object against the keys its function takes: `undefined` is no options; a
 * value that is not a plain object is an {@link InvalidArgumentError}; a key the function does
 * not take is an {@link UnknownOptionError} that lists the valid keys and suggests the nearest
 * (`weight_decay` → `weightDecay`, `beta1` → `b1`). Values are not checked here: each function
 * checks its own.
 *
 * @param where - The function, for the message (`'adamw'`).
 * @param options - The options as given (may be `undefined`).
 * @param keys - Every key the function takes, as `{ key: true }` (see {@link OptionKeys}).
 * @returns The options, or `{}` for `undefined`.
 *
 * @example
 * ```ts
 * const KEYS = { b1: true, b2: true, eps: true } as const satisfies OptionKeys<AdamOptions>;
 * export function adam(lr: number, options: AdamOptions = {}) {
 *   const { b1 = 0.9, b2 = 0.999, eps = 1e-8 } = checkOptions('adam', options, KEYS);
 *   // adam(1e-3, { beta1: 0.8 }) throws: adam: unknown option 'beta1' (did you mean 'b1'?); adam takes b1, b2, eps
 * }
 * ```
 */
export function checkOptions<T extends object>(where: string, options: T | undefined, keys: NoInfer<OptionKeys<T>>): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options) || !isPlain(options)) {
    const valid = Object.keys(keys);
    throw new InvalidArgumentError(`${where}: expected an options object { ${valid.join(', ')} }, got ${describeValue(options)}`);
  }
  const valid = Object.keys(keys);
  const unknown = Object.keys(options).filter((k) => !Object.hasOwn(keys, k));
  if (unknown.length === 0) return options;
  const first = unknown[0];
  const suggestion = nearestOption(first, valid);
  const hints = unknown.map((k) => {
    const s = k === first ? suggestion : nearestOption(k, valid);
    return `'${k}'${s !== undefined ? ` (did you mean '${s}'?)` : ''}`;
  });
  const takes = valid.length ? `${where} takes ${valid.join(', ')}` : `${where} takes no options`;
  throw new UnknownOptionError(
    `${where}: unknown option${unknown.length > 1 ? 's' : ''} ${hints.join(', ')}; ${takes}`,
    first,
    valid,
    suggestion,
  );
}

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'Object'})`;
  return `${typeof v} ${String(v)}`;
}
