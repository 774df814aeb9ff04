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
  const nodes: ProgramNode[] = [];
  const codes: string[] = [];
  const index = new Map<TraceNode, number>();
  const inputIndex = new Map<Tensor, number>();
  const inputNode = new Map<Tensor, number>();
  const inputs: Tensor[] = [];
  const scalars: number[] = [];

  const push = (node: ProgramNode, code: string): number => {
    nodes.push(node);
    codes.push(code);
    return nodes.length - 1;
  };
  const visit = (n: TraceNode): number => {
    const seen = index.get(n);
    if (seen !== undefined) return seen;
    let at: number;
    switch (n.kind) {
      case 'leaf': {
        const known = inputNode.get(n.tensor);
        if (known !== undefined) at = known;
        else {
          const ix = inputs.length;
          inputs.push(n.tensor);
          inputIndex.set(n.tensor, ix);
          at = push({ op: 'input', index: ix }, `i${ix}`);
          inputNode.set(n.tensor, at);
        }
        break;
      }
      case 'scalar': {
        const ix = scalars.length;
        scalars.push(n.value);
        at = push({ op: 'scalar', index: ix }, `s${ix}`);
        break;
      }
      case 'unary': {
        const x = visit(n.x);
        at = push({ op: 'unary', fn: n.fn, x }, `${n.fn}(${x})`);
        break;
      }
      case 'binary': {
        const a = visit(n.a);
        const b = visit(n.b);
        at = push({ op: 'binary', fn: n.fn, a, b }, `${n.fn}(${a},${b})`);
        break;
      }
      case 'compare': {
        const a = visit(n.a);
        const b = visit(n.b);
        at = push({ op: 'compare', fn: n.fn, a, b }, `${n.fn}?(${a},${b})`);
        break;
      }
      case 'where': {
        const cond = visit(n.cond);
        const a = visit(n.a);
        const b = visit(n.b);
        at = push({ op: 'where', cond, a, b }, `where(${cond},${a},${b})`);
        break;
      }
      default:
        n satisfies never;
        throw new Error('unreachable');
    }
    index.set(n, at);
    return at;
  };
  const outs = outputs.map(visit);
  const key = `${inputs.length};${scalars.length};${codes.join(' ')};>${outs.join(',')}`;
  let program = cache.get(key);
  if (!program) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    program = Object.freeze({ inputs: inputs.length, scalars: scalars.length, nodes: Object.freeze(nodes), outputs: Object.freeze(outs) });
    cache.set(key, program);
  }
  return { program, key, inputs, scalars, inputIndex: (t) => inputIndex.get(t) };
}
