import { DTypeError, InvalidArgumentError, Tensor, fmtShape, isFloatDType, type Backend } from '@downhill/backend';
import type { Trace } from './trace.js';
import { Traced, isTensorLike, rawTensor, type TensorLike } from './traced.js';
import { flattenTree, isBranch, mapTree } from './tree.js';

/** One differentiated input: where it sits and the traced value standing for it. @internal */
export interface TracedInput {
  readonly arg: number;
  readonly path: string;
  readonly traced: Traced;
}

/** Describes a value for an error message. @internal */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (isTensorLike(v)) return `a ${v instanceof Traced ? 'traced value' : 'tensor'} of shape ${fmtShape(v.shape)} (${v.dtype})`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'Object'})`;
  return `${typeof v} ${String(v)}`;
}

/** Names a leaf in messages: `'dense1.kernel'`, or with its argument when there are several. @internal */
export function leafName(arg: number, path: string, single: boolean): string {
  if (single && arg === 0) return path === '' ? 'the input' : `parameter '${path}'`;
  return path === '' ? `argument ${arg}` : `'${path}' of argument ${arg}`;
}

/** Normalises and checks `argnums` against the call's arguments. @internal */
export function normalizeArgnums(argnums: number | readonly number[] | undefined, count: number, where: string): number[] {
  const list = argnums === undefined ? [0] : typeof argnums === 'number' ? [argnums] : [...argnums];
  if (list.length === 0) throw new InvalidArgumentError(`${where}: argnums is empty; name at least one argument to differentiate`);
  for (const n of list) {
    if (!Number.isInteger(n) || n < 0 || n >= count) {
      throw new InvalidArgumentError(
        `${where}: argnums names argument ${n} but f was called with ${count} argument(s) (valid: 0 to ${count - 1})`,
      );
    }
  }
  if (new Set(list).size !== list.length) throw new InvalidArgumentError(`${where}: argnums repeats an argument: ${JSON.stringify(list)}`);
  return list;
}

/** A predicate on dotted paths selecting `wrt` (paths or prefixes of paths); checks every entry exists. @internal */
export function wrtFilter(tree: unknown, wrt: readonly string[] | undefined, where: string): ((path: string) => boolean) | undefined {
  if (wrt === undefined) return undefined;
  const paths = flattenTree(tree).map(([p]) => p);
  const covers = (w: string, p: string) => p === w || p.startsWith(`${w}.`);
  for (const w of wrt) {
    if (typeof w !== 'string' || !paths.some((p) => covers(w, p))) {
      const shown = paths.slice(0, 12).join(', ') + (paths.length > 12 ? `, … (${paths.length} in all)` : '');
      throw new InvalidArgumentError(
        `${where}: wrt names '${String(w)}', which is not in the differentiated argument; its leaves are: ${shown || 'none'}`,
      );
    }
  }
  return (p) => wrt.some((w) => covers(w, p));
}

/**
 * Wraps the selected leaves of the differentiated arguments as inputs of `trace`. Each must be a
 * float tensor or traced value. @internal
 */
export function wrapInputs(
  trace: Trace,
  args: readonly unknown[],
  argnums: readonly number[],
  keep: ((path: string) => boolean) | undefined,
  where: string,
): { args: unknown[]; inputs: TracedInput[] } {
  const inputs: TracedInput[] = [];
  const single = argnums.length === 1;
  const wrapped = args.map((a, i) => {
    if (!argnums.includes(i)) return a;
    return mapTree(a, (leaf, path) => {
      if (keep && !keep(path)) return leaf;
      const name = leafName(i, path, single);
      if (!isTensorLike(leaf)) {
        throw new InvalidArgumentError(
          `${where}: ${name} is ${describe(leaf)}; only tensors can be differentiated: pass it in another argument, or leave it out with wrt`,
        );
      }
      if (!isFloatDType(leaf.dtype)) {
        throw new DTypeError(
          `${where}: ${name} is ${describe(leaf)}; gradients need float tensors: pass integer data (labels, indices) in another argument, or leave it out with wrt`,
        );
      }
      const traced = trace.input(leaf);
      inputs.push({ arg: i, path, traced });
      return traced;
    });
  });
  return { args: wrapped, inputs };
}

/** The backend of the first tensor among the differentiated leaves. @internal */
export function backendOf(inputs: readonly TracedInput[], where: string): Backend {
  if (inputs.length === 0)
    throw new InvalidArgumentError(
      `${where}: the differentiated arguments hold no tensors; pass the parameters (a tensor or a tree of tensors) to differentiate`,
    );
  return rawTensor(inputs[0].traced).backend;
}

/** Builds the gradient tree of each differentiated argument from the sweep's cotangents. @internal */
export function gradTrees(
  args: readonly unknown[],
  argnums: readonly number[],
  keep: ((path: string) => boolean) | undefined,
  inputs: readonly TracedInput[],
  cts: ReadonlyMap<number, TensorLike>,
): unknown[] {
  return argnums.map((i) => {
    const byPath = new Map(inputs.filter((x) => x.arg === i).map((x) => [x.path, x.traced]));
    return mapTree(
      args[i],
      (_leaf, path) => {
        const t = byPath.get(path)!;
        return cts.get(t.node) ?? rawTensor(t).backend.zeros(t.shape, t.dtype);
      },
      { keep },
    );
  });
}

/** Replaces every value of `trace` in a tree by its value one level down. @internal */
export function lowerTree(tree: unknown, trace: Trace): unknown {
  return mapTree(tree, (leaf) => (leaf instanceof Traced && leaf.trace === trace ? leaf.primal : leaf));
}

/**
 * Gives every tensor of a result its own handle: a tensor that appears twice, or that is one of
 * `inputs`, is replaced by a new handle on the same data, so the caller can dispose each result
 * without touching another or an input. @internal
 */
export function ownHandles<T>(result: T, inputs: ReadonlySet<Tensor>): T {
  const seen = new Set<Tensor>();
  const fix = (x: unknown): unknown => {
    if (x instanceof Tensor) {
      if (seen.has(x) || inputs.has(x)) return x.backend.reshape(x, x.shape);
      seen.add(x);
      return x;
    }
    if (isBranch(x)) return Array.isArray(x) ? x.map(fix) : Object.fromEntries(Object.entries(x).map(([k, v]) => [k, fix(v)]));
    return x;
  };
  return fix(result) as T;
}

/** Every backend tensor among the leaves of some trees (for {@link ownHandles}). @internal */
export function tensorsIn(...trees: unknown[]): Set<Tensor> {
  const out = new Set<Tensor>();
  for (const t of trees) for (const [, leaf] of flattenTree(t)) if (isTensorLike(leaf)) out.add(rawTensor(leaf));
  return out;
}
