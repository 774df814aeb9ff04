import type { ElementwiseProgram, ProgramNode, Tensor } from '@downhill/backend';
import type { TraceNode } from './trace-node.js';

/**
 * A program recorded from traced nodes, with the operands of one group: its inputs (real tensors,
 * each once, in order of first use) and its scalars (one per scalar node, in order of first use).
 *
 * @internal
 */
export interface BuiltProgram {
  /** The program, shared by every build with the same structure (so backends cache by identity). */
  readonly program: ElementwiseProgram;
  /** The structure: equal keys, equal programs. */
  readonly key: string;
  /** The group's tensor inputs, in the program's input order. */
  readonly inputs: Tensor[];
  /** The group's scalars, in the program's scalar order. */
  readonly scalars: number[];
  /** The scalar node behind each of `scalars`. */
  readonly scalarNodes: TraceNode[];
  /** The input index of a tensor of this group, or `undefined`. */
  inputIndex(t: Tensor): number | undefined;
}

const cache = new Map<string, ElementwiseProgram>();
const CACHE_LIMIT = 4096;

/**
 * Builds the program computing `outputs` (recorded op nodes of one shape and dtype) from their
 * leaves and scalars. Literals always become scalars, never consts, so a program's structure does
 * not depend on hyperparameter values or step counts: the same optimizer gives the same program
 * every step, and a backend compiles it once.
 *
 * @internal
 */
export function buildProgram(outputs: readonly TraceNode[]): BuiltProgram {
  const epoch = ++builds;
  const order: TraceNode[] = [];
  const inputIndex = new Map<Tensor, number>();
  const inputNode = new Map<Tensor, number>();
  const inputs: Tensor[] = [];
  const scalars: number[] = [];
  const scalarNodes: TraceNode[] = [];
  let key = '';

  // First pass: the nodes in topological order, the operands, and the structure as a string (each
  // node's operands are visited before its own text is appended: `key` grows during a visit). The
  // program's node objects are made only for a structure not seen before. A node's place in this
  // build is kept on the node itself (marked with the build's number), which is faster than a map.
  const visit = (n: TraceNode): number => {
    const mark = n as Marked;
    if (mark._build === epoch) return mark._at!;
    if (n.kind === 'leaf') {
      const known = inputNode.get(n.tensor);
      if (known !== undefined) {
        mark._build = epoch;
        mark._at = known;
        return known;
      }
      inputIndex.set(n.tensor, inputs.length);
      inputs.push(n.tensor);
      key += 'i;';
    } else if (n.kind === 'scalar') {
      scalars.push(n.value);
      scalarNodes.push(n);
      key += 's;';
    } else if (n.kind === 'unary') {
      const x = visit(n.x);
      key += `${n.fn} ${x};`;
    } else if (n.kind === 'where') {
      const c = visit(n.cond);
      const a = visit(n.a);
      const b = visit(n.b);
      key += `? ${c} ${a} ${b};`;
    } else {
      const a = visit(n.a);
      const b = visit(n.b);
      key += `${n.fn} ${a} ${b};`;
    }
    const at = order.length;
    order.push(n);
    mark._build = epoch;
    mark._at = at;
    if (n.kind === 'leaf') inputNode.set(n.tensor, at);
    return at;
  };
  const outs: number[] = [];
  for (const o of outputs) outs.push(visit(o));
  key += `>${outs.join(',')}`;
  let program = cache.get(key);
  if (!program) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    program = Object.freeze({
      inputs: inputs.length,
      scalars: scalars.length,
      nodes: Object.freeze(programNodes(order, inputIndex)),
      outputs: Object.freeze(outs),
    });
    cache.set(key, program);
  }
  return { program, key, inputs, scalars, scalarNodes, inputIndex: (t) => inputIndex.get(t) };
}

/** Where a node was placed by the latest build that reached it. */
type Marked = TraceNode & { _build?: number; _at?: number };
let builds = 0;

function programNodes(order: readonly TraceNode[], inputIndex: ReadonlyMap<Tensor, number>): ProgramNode[] {
  let scalar = 0;
  const at = (n: TraceNode): number => (n as Marked)._at!;
  return order.map((n): ProgramNode => {
    switch (n.kind) {
      case 'leaf':
        return { op: 'input', index: inputIndex.get(n.tensor)! };
      case 'scalar':
        return { op: 'scalar', index: scalar++ };
      case 'unary':
        return { op: 'unary', fn: n.fn, x: at(n.x) };
      case 'binary':
        return { op: 'binary', fn: n.fn, a: at(n.a), b: at(n.b) };
      case 'compare':
        return { op: 'compare', fn: n.fn, a: at(n.a), b: at(n.b) };
      case 'where':
        return { op: 'where', cond: at(n.cond), a: at(n.a), b: at(n.b) };
      default:
        return n satisfies never;
    }
  });
}
