import type { Backend } from './backend.js';
import { checkProgram, checkProgramGroups } from './check-program.js';
import type { ElementwiseProgram, ProgramGroup } from './program.js';
import { shapesEqual } from './shape.js';
import type { Tensor } from './tensor.js';

/**
 * The composed interpretation of an elementwise program: the same program run node by node through
 * a backend's primitives (`unary`, `binary`, `compare`, `where`), one group after another. It is
 * what `runProgram` does on a backend without `capabilities.programs`, and the reference a
 * compiled program must agree with (within the dtype's rounding), so the fused and the composed
 * paths cannot drift: both are the one program.
 *
 * Scalars and consts become rank-0 tensors of the group's dtype; an output that does not depend on
 * any input is broadcast to the group's shape. Intermediates are released; the outputs are new
 * tensors in the caller's scope (an output that is an input node shares that input's storage).
 * Never writes in place.
 *
 * @param backend - The backend whose primitives run the program.
 * @param program - The program (checked as `runProgram` checks it).
 * @param groups - The groups of operands; the tensors of one group share a shape and a float dtype.
 * @returns For each group, its outputs in `program.outputs` order.
 *
 * @example
 * ```ts
 * import { interpretProgram } from '@downhill/backend';
 * import { cpu } from '@downhill/backend-cpu';
 * const b = cpu();
 * const program = { inputs: 2, scalars: 1, outputs: [4], nodes: [
 *   { op: 'input', index: 0 }, { op: 'input', index: 1 }, { op: 'scalar', index: 0 },
 *   { op: 'binary', fn: 'mul', a: 1, b: 2 }, { op: 'binary', fn: 'sub', a: 0, b: 3 }] } as const;
 * const [[p]] = interpretProgram(b, program, [{ inputs: [b.tensor([1, 2]), b.tensor([10, 20])], scalars: [0.1] }]);
 * b.readSync(p); // Float32Array [0, 0]
 * ```
 */
export function interpretProgram(backend: Backend, program: ElementwiseProgram, groups: readonly ProgramGroup<Tensor>[]): Tensor[][] {
  const where = `${backend.name}.interpretProgram`;
  checkProgram(program, where);
  checkProgramGroups(program, groups, where);
  return backend.scope(() => groups.map((g) => interpretGroup(backend, program, g)));
}

function interpretGroup(b: Backend, program: ElementwiseProgram, group: ProgramGroup<Tensor>): Tensor[] {
  const first = group.inputs[0];
  const { dtype, shape } = first;
  const values: Tensor[] = [];
  for (const node of program.nodes) {
    switch (node.op) {
      case 'input':
        values.push(group.inputs[node.index]);
        break;
      case 'scalar':
        values.push(b.scalar(group.scalars[node.index], dtype));
        break;
      case 'const':
        values.push(b.scalar(node.value, dtype));
        break;
      case 'unary':
        values.push(b.unary(node.fn, values[node.x]));
        break;
      case 'binary':
        values.push(b.binary(node.fn, values[node.a], values[node.b]));
        break;
      case 'compare':
        values.push(b.compare(node.fn, values[node.a], values[node.b]));
        break;
      case 'where':
        values.push(b.where(values[node.cond], values[node.a], values[node.b]));
        break;
      default:
        node satisfies never;
    }
  }
  return program.outputs.map((o) => {
    const v = values[o];
    return shapesEqual(v.shape, shape) ? b.reshape(v, shape) : b.broadcastTo(v, shape);
  });
}
