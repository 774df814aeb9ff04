import { InvalidArgumentError, type Tensor, checkOptions } from '@downhill/backend';
import { checkTrees, flatten, unflatten } from '../tree.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { checkTransformation, cleanOnError, pick, stateRecord } from './internal.js';
import { compileMask, type Mask, type Matcher } from '../mask.js';

/**
 * How {@link multiTransform} assigns parameters to groups: a function from a parameter's dotted
 * name (and tensor) to a group name, or a map from group name to the mask of its parameters
 * (the first group in key order whose mask selects a parameter wins).
 */
export type GroupLabels = ((name: string, param: Tensor) => string) | { readonly [group: string]: Mask };

/** Options of {@link multiTransform}. */
export interface MultiTransformOptions {
  /** The group of parameters no label matches. Without it, unmatched parameters are an error naming them. */
  readonly default?: string;
}

/**
 * Parameter groups: a different transformation for each group of parameters (optax's
 * `multi_transform`, PyTorch's param groups). Each group's transformation sees only its own
 * parameters, by their full dotted names, and keeps its own state.
 *
 * ```text
 * uᵢ = transforms[label(nameᵢ)](g restricted to that group)ᵢ
 * ```
 *
 * Update programs: passes them through. Each group's transformation is traced on its own
 * parameters, so every group runs fused; parameters whose groups differ get different programs, and
 * `step` runs one `runProgram` call per distinct program.
 *
 * @param transforms - One transformation per group name.
 * @param labels - A function `(name, tensor) => group`, or `{ group: mask }` where a mask is any
 *   {@link Mask}: a glob on dotted names (`'**.bias'`), a RegExp, a predicate, a list of these or a
 *   tree of booleans.
 * @param options - Options:
 * @param options.default - The group of unmatched parameters; without it they are an error.
 * @returns A transformation whose state is `{ [group]: that group's state }`.
 * @throws InvalidArgumentError naming the parameters no group matches, or a label that names no transformation.
 *
 * @example
 * ```ts
 * const tx = multiTransform(
 *   { decay: adamw(1e-3, { weightDecay: 1e-2 }), noDecay: adam(1e-3), frozen: setToZero() },
 *   { noDecay: ['**.bias', /norm/], frozen: 'embedding.*' },
 *   { default: 'decay' },
 * );
 * ```
 */
export function multiTransform(
  // biome-ignore lint/suspicious/noExplicitAny: transforms with different state types compose; the state type is erased here
  transforms: { readonly [group: string]: GradientTransformation<any> },
  labels: GroupLabels,
  options: MultiTransformOptions = {},
): GradientTransformation<{ [group: string]: OptState }> {
  const { default: fallback } = checkOptions('multiTransform', options, { default: true });
  if (transforms === null || typeof transforms !== 'object')
    throw new InvalidArgumentError(
      `multiTransform: expected { group: transformation }, got ${transforms === null ? 'null' : typeof transforms}`,
    );
  const groups = Object.keys(transforms);
  if (groups.length === 0) throw new InvalidArgumentError('multiTransform: expected at least one group of { group: transformation }');
  for (const g of groups) checkTransformation(transforms[g], `multiTransform (group '${g}')`);
  const name = `multiTransform(${groups.map((g) => `${g}: ${transforms[g].name ?? '?'}`).join(', ')})`;
  if (fallback !== undefined && !(fallback in transforms)) {
    throw new InvalidArgumentError(`multiTransform: the default group '${fallback}' has no transformation (groups: ${groups.join(', ')})`);
  }
  let label: (name: string, t: Tensor) => string | undefined;
  if (typeof labels === 'function') label = labels;
  else if (labels !== null && typeof labels === 'object') {
    const rules: [string, Matcher][] = Object.entries(labels).map(([g, p]) => {
      if (!(g in transforms))
        throw new InvalidArgumentError(
          `multiTransform: the labels name a group '${g}' that has no transformation (groups: ${groups.join(', ')})`,
        );
      return [g, compileMask(p, `multiTransform (mask of group '${g}')`)];
    });
    label = (n, t) => rules.find(([, m]) => m(n, t))?.[0];
  } else
    throw new InvalidArgumentError(
      `multiTransform: labels must be a function (name, tensor) => group or { group: patterns }, got ${labels === null ? 'null' : typeof labels}`,
    );

  const partition = (leaves: readonly (readonly [string, Tensor])[]): Map<string, Set<string>> => {
    const byGroup = new Map<string, Set<string>>(groups.map((g) => [g, new Set<string>()]));
    const unmatched: string[] = [];
    for (const [n, t] of leaves) {
      const g = label(n, t) ?? fallback;
      if (g === undefined) unmatched.push(n);
      else if (!byGroup.has(g)) {
        throw new InvalidArgumentError(
          `${name}: parameter '${n}' was labelled '${String(g)}', which has no transformation (groups: ${groups.join(', ')})`,
        );
      } else byGroup.get(g)!.add(n);
    }
    if (unmatched.length) {
      throw new InvalidArgumentError(
        `${name}: no group matches ${unmatched.map((n) => `'${n}'`).join(', ')}; add a pattern for ${unmatched.length === 1 ? 'it' : 'them'} or pass { default: '<group>' }`,
      );
    }
    return byGroup;
  };

  return {
    name,
    init(params: Params) {
      const leaves = flatten(params, name);
      const byGroup = partition(leaves);
      const state: { [group: string]: OptState } = {};
      cleanOnError(
        [params],
        () => [state],
        () => {
          for (const g of groups) state[g] = transforms[g].init(pick(leaves, byGroup.get(g)!));
        },
      );
      return state;
    },
    update(grads: Params, state: { [group: string]: OptState }, params?: Params) {
      const rec = stateRecord(state, groups, name);
      const rows =
        params === undefined
          ? checkTrees([grads], { where: name, labels: ['gradient'] })
          : checkTrees([params, grads], { where: name, labels: ['parameter', 'gradient'] });
      const refLeaves = rows.map(([n, ts]) => [n, ts[0]] as const);
      const gradLeaves = rows.map(([n, ts]) => [n, ts[ts.length - 1]] as const);
      const byGroup = partition(refLeaves);
      const updates: [string, Tensor][] = [];
      const next: { [group: string]: OptState } = {};
      return cleanOnError(
        [grads, state, params],
        () => [unflatten(updates, grads), next],
        () => {
          for (const g of groups) {
            const names = byGroup.get(g)!;
            const [u, s] = transforms[g].update(pick(gradLeaves, names), rec[g], params === undefined ? undefined : pick(refLeaves, names));
            next[g] = s;
            updates.push(...flatten(u, `${name} (updates of group '${g}')`));
          }
          return [unflatten(updates, grads), next] as [Params, { [group: string]: OptState }];
        },
      );
    },
  };
}
