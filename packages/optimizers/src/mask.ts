import { InvalidArgumentError, describeValue, isPlainRecord, type Tensor } from '@downhill/backend';

/**
 * A tree of booleans mirroring the parameters; a boolean on a subtree applies to every leaf below
 * it (`{ encoder: false, head: { kernel: true, bias: false } }`). Arrays in the parameters are
 * arrays (or records keyed by index) here.
 */
export interface MaskTree {
  readonly [name: string]: boolean | MaskTree | readonly (boolean | MaskTree)[];
}

/**
 * Selects parameters by dotted name (`encoder.dense1.kernel`, `layers.0.w`):
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
 * Which parameters a transformation applies to, one type for every `mask` option (`adamw`,
 * `addDecayedWeights`, `lamb`, `lars`, `lion`, `adafactor`, the trust ratios), for `masked` and for
 * `multiTransform`'s groups:
 *
 * - a {@link ParamPattern}: a glob (`'**.kernel'`), a `RegExp`, or a predicate `(name, tensor) => boolean`;
 * - a list of patterns: a parameter is selected when any matches (`['**.bias', /norm/]`);
 * - a {@link MaskTree} of booleans shaped like the parameters (a prefix is enough:
 *   `{ encoder: false, head: true }`); it must give every parameter a boolean and name no other.
 *
 * @example
 * ```ts
 * adamw(1e-3, { weightDecay: 0.01, mask: '**.kernel' });
 * adamw(1e-3, { weightDecay: 0.01, mask: (name) => !name.endsWith('bias') });
 * masked(addDecayedWeights(0.01), { dense: true, norm: false });
 * ```
 */
export type Mask = ParamPattern | readonly ParamPattern[] | MaskTree;

/** The same type as {@link Mask} (the wrappers' earlier name). */
export type ParamMask = Mask;

/** A compiled mask: whether the parameter at a dotted name is selected. */
export type Matcher = (name: string, param: Tensor) => boolean;

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

function isMaskTree(mask: unknown): mask is MaskTree {
  return isPlainRecord(mask);
}

function compilePattern(p: unknown, i: number, many: boolean, where: string): Matcher {
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
      const r = (p as Matcher)(name, t);
      if (typeof r !== 'boolean')
        throw new InvalidArgumentError(`${where}: the mask predicate returned ${describeValue(r)} for '${name}'; expected true or false`);
      return r;
    };
  }
  throw new InvalidArgumentError(
    `${where}: mask ${many ? `pattern ${i} ` : ''}must be a glob string, a RegExp, a predicate (name, tensor) => boolean${many ? '' : ', a list of these or a tree of booleans'}, got ${describeValue(p)}`,
  );
}

/**
 * Compiles a {@link Mask} into a matcher; checks the mask's form at once.
 *
 * @throws InvalidArgumentError naming `where` for anything that is not a mask; the matcher throws
 * for a name a mask tree gives no boolean, and for a predicate that returns a non-boolean.
 *
 * @example
 * ```ts
 * const m = compileMask(['**.bias', /norm/], 'adamw');
 * m('dense.bias', t); // true
 * ```
 */
export function compileMask(mask: Mask, where: string): Matcher {
  if (isMaskTree(mask)) {
    maskPaths(mask, where);
    return (name) => {
      const v = lookupMask(mask, name);
      if (v === undefined)
        throw new InvalidArgumentError(
          `${where}: the mask tree has no boolean for parameter '${name}'; give it (or one of its parents) true or false`,
        );
      return v;
    };
  }
  if (Array.isArray(mask)) {
    const tests = mask.map((p, i) => compilePattern(p, i, true, where));
    return (name, t) => tests.some((test) => test(name, t));
  }
  return compilePattern(mask, 0, false, where);
}

const compiled = new WeakMap<object, Map<string, Matcher>>();
const compiledGlobs = new Map<string, RegExp>();

/**
 * Whether a mask selects the parameter at a dotted name (every parameter when `mask` is
 * undefined). Compiled masks are cached per mask object.
 *
 * @throws InvalidArgumentError when the mask is malformed, a mask tree has no entry for the name,
 * or a predicate returns a non-boolean.
 *
 * @example
 * ```ts
 * maskSelects({ dense: { bias: false } }, 'dense.bias', t, 'adamw'); // false
 * maskSelects('**.kernel', 'dense.kernel', t, 'adamw');              // true
 * ```
 */
export function maskSelects(mask: Mask | undefined, name: string, param: Tensor, where: string): boolean {
  if (mask === undefined) return true;
  if (typeof mask === 'string') {
    let re = compiledGlobs.get(mask);
    if (!re) compiledGlobs.set(mask, (re = globToRegExp(mask)));
    return re.test(name);
  }
  // Not an object or function (a number, a boolean, null): compileMask says what a mask is.
  if (mask === null || (typeof mask !== 'object' && typeof mask !== 'function')) return compileMask(mask, where)(name, param);
  let byWhere = compiled.get(mask);
  if (!byWhere) compiled.set(mask, (byWhere = new Map()));
  let m = byWhere.get(where);
  if (!m) byWhere.set(where, (m = compileMask(mask, where)));
  return m(name, param);
}

/**
 * The set of names a {@link Mask} selects among `leaves`. A mask tree must cover every parameter
 * and name no other; a missing or extra entry is an `InvalidArgumentError` naming it.
 *
 * @example
 * ```ts
 * selectByMask('**.bias', flatten(params), 'masked'); // Set { 'dense.bias' }
 * ```
 */
export function selectByMask(mask: Mask, leaves: readonly (readonly [string, Tensor])[], where: string): Set<string> {
  const selected = new Set<string>();
  if (isMaskTree(mask)) {
    const missing: string[] = [];
    for (const [name] of leaves) {
      const v = lookupMask(mask, name);
      if (v === undefined) missing.push(name);
      else if (v) selected.add(name);
    }
    if (missing.length) {
      throw new InvalidArgumentError(
        `${where}: the mask tree has no boolean for ${missing.map((n) => `'${n}'`).join(', ')}; give every parameter (or one of its parents) true or false`,
      );
    }
    const names = leaves.map(([n]) => n);
    const extra = maskPaths(mask, where).filter((p) => !names.some((n) => n === p || n.startsWith(`${p}.`)));
    if (extra.length) {
      throw new InvalidArgumentError(
        `${where}: the mask tree names ${extra.map((n) => `'${n}'`).join(', ')}, which ${extra.length === 1 ? 'is not a parameter' : 'are not parameters'} (parameters: ${names.join(', ')})`,
      );
    }
    return selected;
  }
  const match = compileMask(mask, where);
  for (const [name, t] of leaves) if (match(name, t)) selected.add(name);
  return selected;
}

function lookupMask(tree: MaskTree, name: string): boolean | undefined {
  let node: unknown = tree;
  for (const part of name.split('.')) {
    if (typeof node === 'boolean') return node;
    if (node === null || typeof node !== 'object') return undefined;
    node = Object.hasOwn(node, part) ? (node as Record<string, unknown>)[part] : undefined;
  }
  return typeof node === 'boolean' ? node : undefined;
}

/** The dotted paths of a mask tree's booleans; throws for a leaf that is not a boolean. */
function maskPaths(tree: unknown, where: string, prefix = ''): string[] {
  const out: string[] = [];
  const entries = Array.isArray(tree) ? tree.map((v, i) => [String(i), v] as const) : Object.entries(tree as object);
  for (const [k, v] of entries) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'boolean') out.push(p);
    else if (Array.isArray(v) || isPlainRecord(v)) out.push(...maskPaths(v, where, p));
    else throw new InvalidArgumentError(`${where}: the mask tree has ${describeValue(v)} at '${p}'; expected true, false or a subtree`);
  }
  return out;
}
