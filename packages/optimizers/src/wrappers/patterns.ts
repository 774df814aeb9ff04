import { InvalidArgumentError, Tensor } from '@downhill/backend';
import type { MaskTree } from '../mask.js';

/**
 * Selects parameters by dotted name (`encoder.dense1.kernel`):
 *
 * - a glob matched against the whole name: `*` is any run of characters within one segment (no
 *   `.`), `**` any run across segments, `?` one character other than `.`; so `'**.bias'` is every
 *   bias at any depth, `'dense1.*'` every parameter of `dense1`, `'**'` everything;
 * - a `RegExp`, tested against the name (anchor it yourself: `/\.bias$/`);
 * - a predicate `(name, tensor) => boolean`.
 *
 * @example
 * ```ts
 * const noDecay: ParamPattern[] = ['**.bias', /norm/, (name, p) => p.rank < 2];
 * ```
 */
export type ParamPattern = string | RegExp | ((name: string, param: Tensor) => boolean);

/**
 * Which parameters a wrapper applies to: a {@link ParamPattern}, a list of them (any may match), or
 * a `MaskTree` (a tree of booleans shaped like the parameters; a boolean on a subtree covers all of it).
 */
export type ParamMask = ParamPattern | readonly ParamPattern[] | MaskTree;

/**
 * The regular expression of a glob over dotted names (see {@link ParamPattern}).
 *
 * @example
 * ```ts
 * globToRegExp('**.bias').test('encoder.dense1.bias'); // true
 * globToRegExp('*.bias').test('encoder.dense1.bias');  // false: '*' stays within one segment
 * ```
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // '**.' also matches nothing, so '**.bias' matches a top-level 'bias'.
      if (glob[i + 2] === '.') {
        re += '(?:.*\\.)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^.]*';
    else if (c === '?') re += '[^.]';
    else re += c.replace(/[\\^$+.()|{}[\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A compiled pattern: whether a named tensor is selected. */
export type Matcher = (name: string, param: Tensor) => boolean;

/**
 * Compiles one pattern or a list of them into a matcher; throws `InvalidArgumentError` naming
 * `where` for anything else.
 */
export function compilePatterns(pattern: ParamPattern | readonly ParamPattern[], where: string): Matcher {
  const list = Array.isArray(pattern) ? (pattern as readonly ParamPattern[]) : [pattern as ParamPattern];
  const tests = list.map((p, i): Matcher => {
    if (typeof p === 'string') {
      const re = globToRegExp(p);
      return (name) => re.test(name);
    }
    if (p instanceof RegExp) {
      // A fresh copy without the global flag's lastIndex state.
      const re = new RegExp(p.source, p.flags.replace('g', '').replace('y', ''));
      return (name) => re.test(name);
    }
    if (typeof p === 'function') {
      return (name, t) => {
        const r = p(name, t);
        if (typeof r !== 'boolean') throw new InvalidArgumentError(`${where}: the predicate returned ${typeof r} for '${name}', expected a boolean`);
        return r;
      };
    }
    throw new InvalidArgumentError(`${where}: pattern ${list.length > 1 ? `${i} ` : ''}must be a glob string, a RegExp or a predicate (name, tensor) => boolean, got ${p === null ? 'null' : typeof p}`);
  });
  return (name, t) => tests.some((test) => test(name, t));
}

/**
 * Resolves a {@link ParamMask} to the set of selected names among `leaves`. A mask tree must
 * cover every parameter and name no other; a missing or extra entry is an `InvalidArgumentError`
 * naming it.
 */
export function selectByMask(mask: ParamMask, leaves: readonly (readonly [string, Tensor])[], where: string): Set<string> {
  const selected = new Set<string>();
  if (isMaskTree(mask)) {
    const missing: string[] = [];
    for (const [name] of leaves) {
      const v = lookupMask(mask, name);
      if (v === undefined) missing.push(name);
      else if (v) selected.add(name);
    }
    if (missing.length) {
      throw new InvalidArgumentError(`${where}: the mask tree has no boolean for ${missing.map((n) => `'${n}'`).join(', ')}; give every parameter (or one of its parents) true or false`);
    }
    const names = new Set(leaves.map(([n]) => n));
    const extra = maskPaths(mask).filter((p) => ![...names].some((n) => n === p || n.startsWith(`${p}.`)));
    if (extra.length) {
      throw new InvalidArgumentError(`${where}: the mask tree names ${extra.map((n) => `'${n}'`).join(', ')}, which ${extra.length === 1 ? 'is not a parameter' : 'are not parameters'} (parameters: ${[...names].join(', ')})`);
    }
    return selected;
  }
  const match = compilePatterns(mask as ParamPattern | readonly ParamPattern[], where);
  for (const [name, t] of leaves) if (match(name, t)) selected.add(name);
  return selected;
}

function isMaskTree(mask: ParamMask): mask is MaskTree {
  if (mask === null || typeof mask !== 'object' || Array.isArray(mask) || mask instanceof RegExp) return false;
  const proto = Object.getPrototypeOf(mask);
  return proto === Object.prototype || proto === null;
}

function lookupMask(tree: MaskTree, name: string): boolean | undefined {
  let node: boolean | MaskTree | undefined = tree;
  for (const part of name.split('.')) {
    if (typeof node === 'boolean') return node;
    if (node === undefined) return undefined;
    node = node[part];
  }
  if (typeof node === 'boolean') return node;
  return undefined;
}

function maskPaths(tree: MaskTree, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(tree)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'boolean') out.push(p);
    else if (v !== null && typeof v === 'object') out.push(...maskPaths(v, p));
    else throw new InvalidArgumentError(`mask tree: '${p}' must be a boolean or a subtree, got ${v === null ? 'null' : typeof v}`);
  }
  return out;
}
