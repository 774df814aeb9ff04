import { describe, expect, it } from 'vitest';
import { CpuKernels, cpu } from '../index.js';
import { expectError } from '../test-helpers.js';
import {
  BackendMismatchError,
  DTypeError,
  DisposedTensorError,
  type DownhillError,
  InvalidArgumentError,
  ShapeError,
  defineBackend,
  interpretProgram,
  type Backend,
  type Capabilities,
  type ElementwiseProgram,
  type ProgramNode,
} from '@downhill/backend';

/** backend-cpu's kernels without compiled programs: `runProgram` is the composed interpretation. */
class ComposedKernels extends CpuKernels {
  override readonly capabilities: Capabilities = { float64: true, syncRead: true, programs: false, inPlace: true };
  constructor() {
    super('composed');
  }
}

/** p − lr·(m / (√v + eps)) with m, v moving averages: outputs [p', m', v']. Inputs p, g, m, v; scalars lr, b1, b2, eps. */
const ADAMISH: ElementwiseProgram = {
  inputs: 4,
  scalars: 4,
  nodes: [
    { op: 'input', index: 0 }, // 0 p
    { op: 'input', index: 1 }, // 1 g
    { op: 'input', index: 2 }, // 2 m
    { op: 'input', index: 3 }, // 3 v
    { op: 'scalar', index: 0 }, // 4 lr
    { op: 'scalar', index: 1 }, // 5 b1
    { op: 'scalar', index: 2 }, // 6 b2
    { op: 'scalar', index: 3 }, // 7 eps
    { op: 'const', value: 1 }, // 8
    { op: 'binary', fn: 'mul', a: 2, b: 5 }, // 9 b1·m
    { op: 'binary', fn: 'sub', a: 8, b: 5 }, // 10 1 − b1
    { op: 'binary', fn: 'mul', a: 1, b: 10 }, // 11 (1 − b1)·g
    { op: 'binary', fn: 'add', a: 9, b: 11 }, // 12 m'
    { op: 'binary', fn: 'mul', a: 3, b: 6 }, // 13 b2·v
    { op: 'binary', fn: 'sub', a: 8, b: 6 }, // 14 1 − b2
    { op: 'unary', fn: 'square', x: 1 }, // 15 g²
    { op: 'binary', fn: 'mul', a: 15, b: 14 }, // 16
    { op: 'binary', fn: 'add', a: 13, b: 16 }, // 17 v'
    { op: 'unary', fn: 'sqrt', x: 17 }, // 18
    { op: 'binary', fn: 'add', a: 18, b: 7 }, // 19
    { op: 'binary', fn: 'div', a: 12, b: 19 }, // 20
    { op: 'binary', fn: 'mul', a: 20, b: 4 }, // 21
    { op: 'binary', fn: 'sub', a: 0, b: 21 }, // 22 p'
  ],
  outputs: [22, 12, 17],
};

/** The same update written out in float64 JavaScript: the independent reference. */
function adamishReference(p: number[], g: number[], m: number[], v: number[], [lr, b1, b2, eps]: number[]): number[][] {
  const m2 = m.map((x, i) => b1 * x + (1 - b1) * g[i]);
  const v2 = v.map((x, i) => b2 * x + (1 - b2) * g[i] * g[i]);
  const p2 = p.map((x, i) => x - (m2[i] / (Math.sqrt(v2[i]) + eps)) * lr);
  return [p2, m2, v2];
}

const backends: [string, () => Backend][] = [
  ['cpu', () => cpu()],
  ['composed', () => defineBackend(new ComposedKernels())],
];

describe.each(backends)('runProgram on %s', (_, make) => {
  const b = make();
  const data = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 7.3 + i * 1.7) * 2);

  it('computes each group’s outputs as the float64 reference does, several groups and shapes in one call', () => {
    const scalars = [
      [0.01, 0.9, 0.999, 1e-8],
      [0.5, 0.5, 0.25, 1e-3],
    ];
    const shapes = [[3, 2], [5]];
    const host = shapes.map((s, gi) =>
      [0, 1, 2, 3].map((k) =>
        k === 3
          ? data(
              s.reduce((a, c) => a * c, 1),
              gi * 4 + k,
            ).map(Math.abs)
          : data(
              s.reduce((a, c) => a * c, 1),
              gi * 4 + k,
            ),
      ),
    );
    b.scope(() => {
      const groups = shapes.map((s, gi) => ({ inputs: host[gi].map((h) => b.tensor(h, s, 'float64')), scalars: scalars[gi] }));
      const out = b.runProgram(ADAMISH, groups);
      out.forEach((outs, gi) => {
        const want = adamishReference(host[gi][0], host[gi][1], host[gi][2], host[gi][3], scalars[gi]);
        outs.forEach((t, o) => {
          expect(t.shape).toEqual(shapes[gi]);
          expect(t.dtype).toBe('float64');
          const got = [...b.readSync(t)];
          got.forEach((x, i) => expect(Math.abs(x - want[o][i])).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(want[o][i]))));
        });
      });
    });
  });

  it('broadcasts an output that reads no input to the group’s shape, and passes an input through', () => {
    const program: ElementwiseProgram = {
      inputs: 1,
      scalars: 1,
      nodes: [
        { op: 'input', index: 0 },
        { op: 'scalar', index: 0 },
        { op: 'const', value: 2 },
        { op: 'binary', fn: 'mul', a: 1, b: 2 },
      ],
      outputs: [3, 0],
    };
    b.scope(() => {
      const x = b.tensor([1, 2, 3, 4], [2, 2], 'float64');
      const [[y, z]] = b.runProgram(program, [{ inputs: [x], scalars: [1.5] }]);
      expect([...b.readSync(y)]).toEqual([3, 3, 3, 3]);
      expect(y.shape).toEqual([2, 2]);
      expect([...b.readSync(z)]).toEqual([1, 2, 3, 4]);
    });
  });

  it('selects with a comparison: where(x > s, x, −x)', () => {
    const program: ElementwiseProgram = {
      inputs: 1,
      scalars: 1,
      nodes: [
        { op: 'input', index: 0 },
        { op: 'scalar', index: 0 },
        { op: 'compare', fn: 'greater', a: 0, b: 1 },
        { op: 'unary', fn: 'neg', x: 0 },
        { op: 'where', cond: 2, a: 0, b: 3 },
      ],
      outputs: [4],
    };
    b.scope(() => {
      const x = b.tensor([-2, -1, 0, 1, 2]);
      const [[y]] = b.runProgram(program, [{ inputs: [x], scalars: [0.5] }]);
      expect([...b.readSync(y)]).toEqual([2, 1, -0, 1, 2]);
    });
  });

  it('returns nothing for no groups', () => {
    expect(b.runProgram(ADAMISH, [])).toEqual([]);
  });

  it('writes in place only where the backend compiles programs and the storage is unshared', () => {
    b.scope(() => {
      const program: ElementwiseProgram = {
        inputs: 2,
        scalars: 0,
        nodes: [
          { op: 'input', index: 0 },
          { op: 'input', index: 1 },
          { op: 'binary', fn: 'add', a: 0, b: 1 },
        ],
        outputs: [2],
      };
      const x = b.tensor([1, 2, 3]);
      const y = b.tensor([10, 20, 30]);
      const [[out]] = b.runProgram(program, [{ inputs: [x, y], scalars: [] }], { inPlace: [0] });
      const inPlace = b.capabilities.programs && b.capabilities.inPlace;
      expect(out === x).toBe(inPlace);
      expect([...b.readSync(out)]).toEqual([11, 22, 33]);
      expect([...b.readSync(x)]).toEqual(inPlace ? [11, 22, 33] : [1, 2, 3]);
      // a reshape shares x's storage: never in place then
      const x2 = b.reshape(x, [3, 1]);
      const y2 = b.reshape(y, [3, 1]);
      const before = [...b.readSync(x)];
      const [[shared]] = b.runProgram(program, [{ inputs: [x2, y2], scalars: [] }], { inPlace: [0] });
      expect(shared === x2).toBe(false);
      expect([...b.readSync(x)]).toEqual(before);
      // the same tensor in two groups: never in place either
      const z = b.tensor([1, 1, 1]);
      const w = b.tensor([2, 2, 2]);
      const r = b.runProgram(
        program,
        [
          { inputs: [z, w], scalars: [] },
          { inputs: [w, z], scalars: [] },
        ],
        { inPlace: [0] },
      );
      expect(r[0][0] === z || r[1][0] === w).toBe(false);
      expect([...b.readSync(z)]).toEqual([1, 1, 1]);
    });
  });

  describe('typed errors that name the node, the group, the shape and the dtype; nothing changes', () => {
    const x = b.tensor([1, 2, 3]);
    const one: ProgramNode = { op: 'input', index: 0 };
    const prog = (nodes: ProgramNode[], outputs = [nodes.length - 1], inputs = 1, scalars = 0): ElementwiseProgram => ({
      inputs,
      scalars,
      nodes,
      outputs,
    });
    const run =
      (p: ElementwiseProgram, groups = [{ inputs: [x], scalars: [] as number[] }], options = {}) =>
      () =>
        b.runProgram(p, groups, options);
    const cases: [string, () => unknown, new (...a: never[]) => DownhillError, RegExp][] = [
      [
        'a forward reference',
        run(prog([one, { op: 'unary', fn: 'exp', x: 2 }, { op: 'unary', fn: 'exp', x: 0 }])),
        InvalidArgumentError,
        /program node 1 \(unary exp\) reads node 2 as x, which is not an earlier node/,
      ],
      [
        'an input index out of range',
        run(prog([{ op: 'input', index: 1 }])),
        InvalidArgumentError,
        /program node 0 \(input 1\): input index must be an integer in \[0, 1\)/,
      ],
      [
        'a scalar index out of range',
        run(prog([one, { op: 'scalar', index: 0 }])),
        InvalidArgumentError,
        /scalar index must be an integer in \[0, 0\)/,
      ],
      ['an unknown op', run(prog([one, { op: 'unary', fn: 'cube' as never, x: 0 }])), InvalidArgumentError, /unknown unary op 'cube'/],
      [
        'a comparison as an output',
        run(prog([one, { op: 'compare', fn: 'less', a: 0, b: 0 }])),
        InvalidArgumentError,
        /output 0 names node 1 \(compare less\); outputs must be float nodes/,
      ],
      [
        'a comparison as a binary operand',
        run(prog([one, { op: 'compare', fn: 'less', a: 0, b: 0 }, { op: 'binary', fn: 'add', a: 1, b: 0 }])),
        InvalidArgumentError,
        /program node 2 \(binary add\) reads node 1 \(compare less\) as a; a compare is usable only as the cond of a where/,
      ],
      [
        'a float as a where’s cond',
        run(prog([one, { op: 'where', cond: 0, a: 0, b: 0 }])),
        InvalidArgumentError,
        /program node 1 \(where\) needs a compare node as cond, but node 0 is input 0/,
      ],
      [
        'no inputs',
        run({ inputs: 0, scalars: 0, nodes: [{ op: 'const', value: 1 }], outputs: [0] }),
        InvalidArgumentError,
        /tensor inputs ≥ 1/,
      ],
      ['an output out of range', run(prog([one], [3])), InvalidArgumentError, /output 0 names node 3, outside the program's 1 nodes/],
      [
        'a missing input',
        run(prog([one], [0], 2), [{ inputs: [x], scalars: [] }]),
        InvalidArgumentError,
        /group 0 has 1 tensor inputs but the program takes 2/,
      ],
      [
        'a missing scalar',
        run(prog([one], [0], 1, 1), [{ inputs: [x], scalars: [] }]),
        InvalidArgumentError,
        /group 0 has 0 scalars but the program takes 1/,
      ],
      [
        'a non-number scalar',
        run(prog([one], [0], 1, 1), [{ inputs: [x], scalars: ['1' as never] }]),
        InvalidArgumentError,
        /group 0 scalar 0 must be a number, got string/,
      ],
      [
        'mixed shapes in a group',
        run(prog([one], [0], 2), [{ inputs: [x, b.tensor([1, 2])], scalars: [] }]),
        ShapeError,
        /group 0 mixes shapes: input 0 has shape \[3\], input 1 has \[2\]/,
      ],
      [
        'mixed dtypes in a group',
        run(prog([one], [0], 2), [{ inputs: [x, b.tensor([1, 2, 3], [3], 'float64')], scalars: [] }]),
        DTypeError,
        /group 0 mixes dtypes: input 0 is float32, input 1 is float64/,
      ],
      [
        'an int32 input',
        run(prog([one]), [{ inputs: [b.tensor([1, 2, 3], [3], 'int32')], scalars: [] }]),
        DTypeError,
        /group 0 input 0 must be float32 or float64/,
      ],
      [
        'a released input',
        run(prog([one]), [
          {
            inputs: [
              (() => {
                const t = b.tensor([1]);
                b.dispose(t);
                return t;
              })(),
            ],
            scalars: [],
          },
        ]),
        DisposedTensorError,
        /runProgram \(group 0 input 0\)/,
      ],
      [
        'another backend’s tensor',
        run(prog([one]), [{ inputs: [cpu().tensor([1, 2, 3])], scalars: [] }]),
        BackendMismatchError,
        /runProgram \(group 0 input 0\)/,
      ],
      [
        'an in-place index out of range',
        run(prog([one]), undefined, { inPlace: [4] }),
        InvalidArgumentError,
        /inPlace\[0\] must be an input index in \[0, 1\)/,
      ],
      [
        'two outputs into one input',
        run(prog([one, { op: 'unary', fn: 'neg', x: 0 }], [0, 1]), undefined, { inPlace: [0, 0] }),
        InvalidArgumentError,
        /inPlace names input 0 for two outputs/,
      ],
    ];
    it.each(cases)('%s', (_, fn, type, pattern) => {
      const before = b.memory();
      const xs = [...b.readSync(x)];
      expectError(fn, type, new RegExp(`^${b.name}\\.(runProgram|interpretProgram)`), pattern);
      expect(b.memory()).toEqual(before);
      expect([...b.readSync(x)]).toEqual(xs);
    });
  });
});

describe('interpretProgram', () => {
  it('runs a program through any backend’s primitives, even one that compiles programs', () => {
    const b = cpu();
    b.scope(() => {
      const host = [
        [1, 2],
        [3, 4],
        [0.5, 0.25],
        [1, 4],
      ];
      const inputs = host.map((h) => b.tensor(h, [2], 'float64'));
      const [outs] = interpretProgram(b, ADAMISH, [{ inputs, scalars: [0.1, 0.9, 0.99, 1e-8] }]);
      const want = adamishReference(host[0], host[1], host[2], host[3], [0.1, 0.9, 0.99, 1e-8]);
      outs.forEach((t, o) => [...b.readSync(t)].forEach((x, i) => expect(x).toBeCloseTo(want[o][i], 14)));
    });
  });
});
