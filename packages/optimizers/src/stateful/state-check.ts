import { Tensor } from '@downhill/backend';
import { checkNamedHyperparam } from '../hyperparams.js';
import { isInjectHyperparamsState } from '../inject-hyperparams.js';
import type { OptState } from '../types.js';
import { StateMismatchError, isRecord, join } from './state-format.js';

/**
 * Checks the values of a decoded state against what the state file says and against what any
 * state of these transformations can hold, so that a file edited by hand or written by other code
 * cannot load nonsense:
 *
 * - every counter (a number under a key named `count` or ending in `Count`) is an integer in
 *   `[0, step]`: each step adds at most one to it;
 * - with `strict`, the counter of the outermost injected hyperparameters, when the state is one, equals `step`;
 * - injected hyperparameters are in their ranges, and `overridden` names only them;
 * - with `strict`, the file's `hyperparams` are those the state holds (`expected`, computed by the caller the way
 *   `stateDict` writes them).
 *
 * @throws {@link StateMismatchError} listing every value at fault, with its path.
 * @internal
 */
export function checkStateValues(
  state: OptState,
  step: number,
  hyperparams: Readonly<Record<string, number>>,
  expected: Readonly<Record<string, number>>,
  strict: boolean,
  where: string,
): void {
  const problems: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (v instanceof Tensor || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, join(path, String(i))));
      return;
    }
    if (!isRecord(v)) return;
    if (isInjectHyperparamsState(v)) {
      const names = Object.keys(v.hyperparams);
      for (const [k, x] of Object.entries(v.hyperparams)) {
        try {
          checkNamedHyperparam(`state entry '${join(join(path, 'hyperparams'), k)}'`, k, x);
        } catch (e) {
          problems.push(e instanceof Error ? e.message : String(e));
        }
      }
      for (const k of v.overridden) {
        if (typeof k !== 'string' || !names.includes(k))
          problems.push(
            `state entry '${join(path, 'overridden')}' names ${JSON.stringify(k)}, which is not one of its hyperparameters (${names.join(', ')})`,
          );
      }
    }
    for (const [k, x] of Object.entries(v)) {
      const p = join(path, k);
      if ((k === 'count' || k.endsWith('Count')) && typeof x === 'number') {
        if (!Number.isSafeInteger(x) || x < 0)
          problems.push(`state entry '${p}' is a counter and must be a non-negative integer, got ${x}`);
        else if (x > step) problems.push(`state entry '${p}' counts ${x} updates, more than the ${step} steps the file says were taken`);
      } else walk(x, p);
    }
  };
  walk(state, '');
  if (strict && isInjectHyperparamsState(state) && Number.isSafeInteger(state.count) && state.count >= 0 && state.count !== step) {
    problems.push(`the file says ${step} steps were taken, but the state's count is ${state.count}`);
  }
  const shown = Object.keys(hyperparams);
  const held = Object.keys(expected);
  if (strict && (shown.length !== held.length || held.some((k) => !Object.is(hyperparams[k], expected[k])))) {
    problems.push(`the file's hyperparams ${fmt(hyperparams)} are not those its state holds ${fmt(expected)}`);
  }
  if (problems.length) {
    const listed = problems.slice(0, 8).join('\n  ') + (problems.length > 8 ? `\n  ... and ${problems.length - 8} more` : '');
    throw new StateMismatchError(`${where}: the saved state holds values it cannot hold (nothing was loaded):\n  ${listed}`);
  }
}

function fmt(h: Readonly<Record<string, number>>): string {
  return `{ ${Object.entries(h)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')} }`;
}
