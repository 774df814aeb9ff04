import { shapesEqual } from '@downhill/backend';
import { add } from './ops/elementwise.js';
import { sumTo } from './ops/sum-to.js';
import { VJP_RULES } from './rules.js';
import type { Trace } from './trace.js';
import type { Operand, TensorLike } from './traced.js';

const shapeOf = (x: Operand) => (typeof x === 'number' ? [] : x.shape);

/**
 * The reverse sweep over one tape: starting from cotangents of some of its nodes, applies each
 * node's vector-Jacobian rule in reverse order and accumulates the cotangents of its operands
 * (summed down to each operand's shape). Returns the cotangent of every node reached.
 *
 * The rules run on values one level down, so when an enclosing trace records, the whole sweep is
 * recorded on it and can be differentiated again.
 * @internal
 */
export function backward(trace: Trace, seeds: ReadonlyMap<number, TensorLike>): Map<number, TensorLike> {
  const cts = new Map<number, TensorLike>(seeds);
  let start = -1;
  for (const id of seeds.keys()) start = Math.max(start, id);
  for (let i = start; i >= 0; i--) {
    const node = trace.nodes[i];
    const ct = cts.get(i);
    if (ct === undefined) continue;
    let thunks: readonly ((() => TensorLike) | null)[];
    if (node.vjp) thunks = node.vjp(ct);
    else if (node.prim === null)
      continue; // an input
    else {
      const rule = VJP_RULES[node.prim] as (
        ct: TensorLike,
        args: readonly Operand[],
        out: TensorLike,
        params: unknown,
      ) => readonly ((() => TensorLike) | null)[];
      thunks = rule(ct, node.args, node.out, node.params);
    }
    node.parents.forEach((parent, k) => {
      const thunk = thunks[k];
      if (parent < 0 || !thunk) return;
      const target = shapeOf(node.args[k]);
      let g = thunk();
      if (!shapesEqual(g.shape, target)) g = sumTo(g, target);
      const prev = cts.get(parent);
      cts.set(parent, prev === undefined ? g : add(prev, g));
    });
  }
  return cts;
}
