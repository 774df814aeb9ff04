import { Tensor, fmtShape, shapesEqual, type Backend, checkOptions } from '@downhill/backend';
import type { OptState } from '../types.js';
import {
  StateMismatchError,
  checkEncodedTensor,
  describe,
  isRecord,
  join,
  type EncodedState,
  type EncodedTensor,
  type ParamSpec,
} from './state-format.js';

/** Options of {@link loadStateLike}. */
export interface MatchOptions {
  /** Every entry of the template must be in the saved state and nothing else (default true). */
  readonly strict?: boolean;
  /** Dotted parameter names, so that messages can name the parameter an entry belongs to. */
  readonly paramNames?: readonly string[];
  /** The caller, for messages. */
  readonly where?: string;
}

/**
 * Builds live state from saved state, following the structure of `template` (a state of the same
 * transformation for the current parameters): records are matched by key, never by position; every
 * tensor must have the template's dtype and shape. Everything is checked before any tensor is made,
 * so a failure changes nothing.
 *
 * With `strict: false`, entries missing from the saved state keep the template's value (the same
 * tensor) and extra entries are ignored; dtype and shape mismatches are errors in both modes.
 *
 * @throws {@link StateMismatchError} listing each entry that does not fit, with its parameter's name.
 */
export function loadStateLike(encoded: EncodedState, template: OptState, backend: Backend, options: MatchOptions = {}): OptState {
  const {
    strict = true,
    paramNames = [],
    where = 'loadState',
  } = checkOptions('loadStateLike', options, { strict: true, paramNames: true, where: true });
  const problems: string[] = [];
  const label = (path: string) => {
    const p = paramOf(path, paramNames);
    return `'${path || '(root)'}'${p && p !== path ? ` (parameter '${p}')` : ''}`;
  };

  const check = (enc: unknown, tmpl: OptState, path: string): void => {
    if (tmpl instanceof Tensor) {
      if (!isRecord(enc) || !('$tensor' in enc)) {
        problems.push(
          `state entry ${label(path)} should be a ${tmpl.dtype} tensor of shape ${fmtShape(tmpl.shape)}, but the saved state has ${describeEncoded(enc)}`,
        );
        return;
      }
      try {
        const t = checkEncodedTensor(enc as unknown as EncodedTensor, path);
        if (t.dtype !== tmpl.dtype || !shapesEqual(t.shape, tmpl.shape)) {
          problems.push(
            `state entry ${label(path)} is ${t.dtype} ${fmtShape(t.shape)} in the saved state but ${tmpl.dtype} ${fmtShape(tmpl.shape)} here`,
          );
        }
      } catch (e) {
        problems.push(e instanceof Error ? e.message : String(e));
      }
      return;
    }
    if (typeof tmpl === 'number') {
      if (typeof enc !== 'number' && !(isRecord(enc) && '$number' in enc))
        problems.push(`state entry ${label(path)} should be a number, but the saved state has ${describeEncoded(enc)}`);
      return;
    }
    if (tmpl === null || typeof tmpl === 'boolean' || typeof tmpl === 'string') {
      if (enc === null ? tmpl !== null : typeof enc !== typeof tmpl) {
        problems.push(
          `state entry ${label(path)} should be ${tmpl === null ? 'null' : `a ${typeof tmpl}`}, but the saved state has ${describeEncoded(enc)}`,
        );
      }
      return;
    }
    if (Array.isArray(tmpl) && tmpl.every(isPrimitive)) {
      // A list of host values (names, flags): its length is data, not structure.
      if (!Array.isArray(enc) || !enc.every((x) => isPrimitive(x) || (isRecord(x) && '$number' in x))) {
        problems.push(
          `state entry ${label(path)} should be a list of numbers, strings or booleans, but the saved state has ${describeEncoded(enc)}`,
        );
      }
      return;
    }
    if (Array.isArray(tmpl)) {
      if (!Array.isArray(enc) || enc.length !== tmpl.length) {
        problems.push(`state entry ${label(path)} should be an array of ${tmpl.length}, but the saved state has ${describeEncoded(enc)}`);
        return;
      }
      tmpl.forEach((t, i) => check(enc[i], t, join(path, String(i))));
      return;
    }
    const rec = tmpl as Record<string, OptState>;
    if (!isRecord(enc) || '$tensor' in enc || '$number' in enc) {
      problems.push(
        `state entry ${label(path)} should be a record of [${Object.keys(rec).join(', ')}], but the saved state has ${describeEncoded(enc)}`,
      );
      return;
    }
    const saved = unescaped(enc);
    for (const [k, t] of Object.entries(rec)) {
      if (k in saved) check(saved[k], t, join(path, k));
      else if (strict) problems.push(`state entry ${label(join(path, k))} is missing from the saved state`);
    }
    if (strict)
      for (const k of Object.keys(saved))
        if (!(k in rec)) problems.push(`the saved state has an entry ${label(join(path, k))} that this optimizer does not have`);
  };

  check(encoded, template, '');
  if (problems.length) throw mismatch(where, problems);

  const made: Tensor[] = [];
  const build = (enc: unknown, tmpl: OptState): OptState => {
    if (tmpl instanceof Tensor) {
      const t = checkEncodedTensor(enc as EncodedTensor, '');
      const out = backend.tensor(t.typed, t.shape, t.dtype);
      made.push(out);
      return out;
    }
    if (typeof tmpl === 'number') return typeof enc === 'number' ? enc : decodeSpecial((enc as { $number: string }).$number);
    if (tmpl === null || typeof tmpl !== 'object') return enc as OptState;
    if (Array.isArray(tmpl) && tmpl.every(isPrimitive))
      return (enc as unknown[]).map((x) => (isRecord(x) ? decodeSpecial((x as { $number: string }).$number) : (x as OptState)));
    if (Array.isArray(tmpl)) return tmpl.map((t, i) => build((enc as unknown[])[i], t));
    const saved = unescaped(enc as Record<string, unknown>);
    const out: Record<string, OptState> = {};
    for (const [k, t] of Object.entries(tmpl as Record<string, OptState>)) out[k] = k in saved ? build(saved[k], t) : t;
    return out;
  };
  try {
    return build(encoded, template);
  } catch (e) {
    backend.dispose(made);
    throw e;
  }
}

/**
 * Compares a saved parameter manifest with the current parameters: missing, extra and mis-shaped
 * parameters by name (missing and extra only when `strict`).
 */
export function checkParamSpecs(
  saved: Readonly<Record<string, ParamSpec>>,
  current: Readonly<Record<string, ParamSpec>>,
  strict: boolean,
  where: string,
): void {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(current)) {
    const s = saved[name];
    if (!s) {
      if (strict) problems.push(`parameter '${name}' (${spec.dtype} ${fmtShape(spec.shape)}) has no saved state`);
    } else if (s.dtype !== spec.dtype || !shapesEqual(s.shape, spec.shape)) {
      problems.push(
        `parameter '${name}' is ${spec.dtype} ${fmtShape(spec.shape)} here but the state was saved for ${s.dtype} ${fmtShape(s.shape)}`,
      );
    }
  }
  if (strict)
    for (const name of Object.keys(saved))
      if (!(name in current)) problems.push(`the state was saved for a parameter '${name}' that this optimizer does not have`);
  if (problems.length) throw mismatch(where, problems);
}

function mismatch(where: string, problems: string[]): StateMismatchError {
  const shown = problems.slice(0, 8);
  const more = problems.length > shown.length ? `\n  ... and ${problems.length - shown.length} more` : '';
  return new StateMismatchError(
    `${where}: the saved state does not fit this optimizer (nothing was loaded):\n  ${shown.join('\n  ')}${more}`,
  );
}

/** The longest parameter name that the dotted state path ends with. */
function paramOf(path: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const n of names) {
    if ((path === n || path.endsWith(`.${n}`)) && (!best || n.length > best.length)) best = n;
  }
  return best;
}

function isPrimitive(v: unknown): boolean {
  return v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
}

function unescaped(rec: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) out[k.startsWith('$$') ? k.slice(1) : k] = v;
  return out;
}

function decodeSpecial(s: string): number {
  return s === 'NaN' ? NaN : s === 'Infinity' ? Infinity : s === '-Infinity' ? -Infinity : -0;
}

function describeEncoded(v: unknown): string {
  if (isRecord(v) && '$tensor' in v) {
    const t = v.$tensor as { dtype?: unknown; shape?: unknown };
    return `a ${String(t?.dtype)} tensor of shape ${Array.isArray(t?.shape) ? fmtShape(t.shape as number[]) : '?'}`;
  }
  if (isRecord(v) && '$number' in v) return 'a number';
  if (isRecord(v)) return `a record of [${Object.keys(v).join(', ')}]`;
  if (v === undefined) return 'nothing';
  return describe(v);
}
