import { describe, expect, it } from 'vitest';
import { interpretProgram, type ElementwiseProgram } from '@downhill/backend';
import { cpu } from './index.js';
import { compileWasm, wasmSupports } from './program-wasm.js';
import { programCacheSize, programKey } from './run-program.js';
import { ADAM_PROGRAM as ADAM, BRANCHY_PROGRAM as BRANCHY, I } from './test-helpers.js';
import { getRuntime, PAGES_MAX } from './wasm/runtime.js';

/** With `exp` and `pow`: no SIMD form, so float32 runs as a JavaScript loop. */
const TRANSCENDENTAL: ElementwiseProgram = {
  inputs: 2,
  scalars: 0,
  nodes: [
    I(0),
    I(1),
    { op: 'unary', fn: 'exp', x: 0 },
    { op: 'unary', fn: 'abs', x: 1 },
    { op: 'binary', fn: 'pow', a: 3, b: 0 },
    { op: 'binary', fn: 'add', a: 2, b: 4 },
  ],
  outputs: [5],
};

function values(n: number, seed: number): number[] {
  // ties, halves (for round), zeros of both signs, and uniform values
  const special = [0, -0, 0.5, 1.5, -2.5, 1, -1, 2];
  return Array.from({ length: n }, (_, i) =>
    i % 5 === 0 ? special[(i + seed) % special.length] : Math.sin(i * 12.9898 + seed * 78.233) * 3,
  );
}

describe('backend-cpu runProgram', () => {
  const b = cpu();

  it('compiles programs whose ops all have float32 instructions to WebAssembly, the others not', () => {
    expect(wasmSupports(ADAM)).toBe(true);
    expect(wasmSupports(BRANCHY)).toBe(true);
    expect(wasmSupports(TRANSCENDENTAL)).toBe(false);
    const rt = getRuntime();
    if (!rt?.shared) {
      console.log(`skipped the WebAssembly compile check: no shared WebAssembly heap here`);
      return;
    }
    expect(compileWasm(ADAM, rt.memory, PAGES_MAX)).toBeDefined();
    expect(compileWasm(BRANCHY, rt.memory, PAGES_MAX)).toBeDefined();
  });

  // Bitwise equality with the composed primitives is the claim: both round each node to float32 (or
  // compute it exactly in float64); the independent reference is the conformance suite's.
  describe.each([
    ['adam', ADAM, [[0.01, 0.9, 0.1, 0.999, 0.001, 1e-8]]],
    ['branchy', BRANCHY, [[0.25]]],
    ['exp and pow', TRANSCENDENTAL, [[]]],
  ] as const)('%s: the composed primitives’ exact results', (_, program, [scalars]) => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const inPlace of [false, true]) {
        it(`${dtype}${inPlace ? ', in place' : ''}, groups of 0, 3, 13, 4099, 4103 and 5000 elements in one call`, () => {
          b.scope(() => {
            // sizes that end in each loop of the float32 code: eight lanes, four, and the scalar tail
            const sizes = [[0], [3], [13], [4099], [4103], [50, 100]];
            const make = () =>
              sizes.map((shape, gi) => ({
                inputs: Array.from({ length: program.inputs }, (_, t) =>
                  b.tensor(
                    values(
                      shape.reduce((x, y) => x * y, 1),
                      gi * 7 + t,
                    ).map((v) => (program === ADAM && t === 3 ? Math.abs(v) : v)),
                    shape,
                    dtype,
                  ),
                ),
                scalars: [...scalars],
              }));
            const groups = make();
            const want = interpretProgram(b, program, groups).map((outs) => outs.map((t) => [...b.readSync(t)]));
            const options = inPlace ? { inPlace: program.outputs.map((_, o) => (o < program.inputs ? o : undefined)) } : {};
            const got = b.runProgram(program, groups, options);
            got.forEach((outs, gi) =>
              outs.forEach((t, o) => {
                expect(t === groups[gi].inputs[o]).toBe(inPlace && o < program.inputs);
                const g = [...b.readSync(t)];
                // Object.is: −0 and NaN compared exactly
                expect(
                  g.every((x, i) => Object.is(x, want[gi][o][i])),
                  `group ${gi} output ${o}`,
                ).toBe(true);
              }),
            );
          });
        });
      }
    }
  });

  it('caches compiled programs by structure', () => {
    const copy = (p: ElementwiseProgram): ElementwiseProgram => JSON.parse(JSON.stringify(p)) as ElementwiseProgram;
    b.scope(() => {
      const x = b.tensor([1, 2, 3]);
      const p = copy(ADAM);
      b.runProgram(p, [{ inputs: [x, x, x, x], scalars: [1, 2, 3, 4, 5, 6] }]);
      const size = programCacheSize();
      b.runProgram(copy(ADAM), [{ inputs: [x, x, x, x], scalars: [6, 5, 4, 3, 2, 1] }]);
      expect(programCacheSize()).toBe(size);
    });
    expect(programKey(ADAM)).toBe(programKey(JSON.parse(JSON.stringify(ADAM)) as ElementwiseProgram));
    expect(programKey(BRANCHY)).not.toBe(
      programKey({ ...BRANCHY, nodes: BRANCHY.nodes.map((n) => (n.op === 'const' ? { op: 'const', value: 0 } : n)) }),
    );
  });
});
