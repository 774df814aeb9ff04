/**
 * SOAP on tensors of rank 3, merged axes and an axis left unrotated, against the authors'
 * reference implementation: nikhilvyas/SOAP a1e553530fde97d0e6b307d7c82ac6d38b072340 `soap.py`
 * (class `SOAP`), run by `__fixtures__/soap_tensors.py` with Debian's PyTorch 1.13 in float64, its
 * eigensolvers too (the script makes `Tensor.float` an identity while it runs), written to
 * `__fixtures__/soap-tensors.json`. (soap-values.test.ts has the matrix cases at the reference's
 * own float32 eigensolvers.) The problem: at step t, f_t = Σ ½·cᵢ·xᵢ² + ¼·xᵢ⁴ + dₜᵢ·xᵢ over every
 * entry of the parameters in order (cᵢ = 1, 2, 3, ..., dₜᵢ = ½·sin(1.3·t + 0.7·i)), each case a
 * few steps from the script's starting values, the parameters compared after every step within
 * 1e-9 relative (the eigenbases come from different float64 eigensolvers, ml-matrix here and
 * LAPACK there).
 */
import { InvalidArgumentError, type Backend, type Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { step } from '../step.js';
import { stateTensors } from '../tree.js';
import type { OptState, Params } from '../types.js';
import fixture from './__fixtures__/soap-tensors.json' with { type: 'json' };
import { scaleBySoap, soapWorkingShape } from './scale-by-soap.js';
import { soap, type SoapOptions } from './soap.js';

const b: Backend = cpu();

type Case = (typeof fixture.cases)[number];

function optionsOf(o: Case['options']): SoapOptions {
  const x = o as Record<string, unknown>;
  const betas = (x.betas as number[] | undefined) ?? [0.95, 0.95];
  return {
    b1: betas[0],
    b2: betas[1],
    ...(x.shampoo_beta !== undefined ? { shampooBeta: x.shampoo_beta as number } : {}),
    ...(x.eps !== undefined ? { eps: x.eps as number } : {}),
    weightDecay: x.weight_decay as number,
    preconditionFrequency: x.precondition_frequency as number,
    ...(x.max_precond_dim !== undefined ? { maxPreconditionDim: x.max_precond_dim as number } : {}),
    ...(x.merge_dims !== undefined ? { mergeDims: x.merge_dims as boolean } : {}),
    ...(x.normalize_grads !== undefined ? { normalizeGrads: x.normalize_grads as boolean } : {}),
    ...(x.correct_bias !== undefined ? { correctBias: x.correct_bias as boolean } : {}),
  };
}

function run(c: Case, fused: boolean, tolerance: (want: number) => number): void {
  const names = c.params.map((_, i) => `p${i}`);
  let params: Params = Object.fromEntries(c.params.map((p, i) => [names[i], b.tensor(p.start, p.shape, 'float64')]));
  const tx = soap(c.options.lr, optionsOf(c.options));
  let state: OptState = tx.init(params);
  c.rows.forEach((row, t) => {
    let offset = 0;
    const grads: Record<string, Tensor> = {};
    for (const [i, name] of names.entries()) {
      const x = Array.from(b.readSync(params[name] as never));
      grads[name] = b.tensor(
        x.map((v, k) => (offset + k + 1) * v + v ** 3 + 0.5 * Math.sin(1.3 * t + 0.7 * (offset + k))),
        c.params[i].shape,
        'float64',
      );
      offset += x.length;
    }
    ({ params, state } = step(tx, params, grads, state, { inPlace: true, fused }));
    b.dispose(stateTensors(grads));
    for (const [i, name] of names.entries()) {
      const got = Array.from(b.readSync(params[name] as never));
      const want = row[i];
      expect(got.length).toBe(want.length);
      got.forEach((x, k) =>
        expect(Math.abs(x - want[k]), `${c.name}: step ${t + 1}, ${name}[${k}]: ${x} against ${want[k]}`).toBeLessThanOrEqual(
          tolerance(want[k]),
        ),
      );
    }
  });
  b.dispose(stateTensors(params));
  b.dispose(stateTensors(state));
}

describe.each([true, false])("soap against the authors' soap.py on tensors (fused: %s)", (fused) => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    run(c, fused, (want) => 1e-9 * Math.max(1, Math.abs(want)));
  });
});

describe('soapWorkingShape (the authors’ merge_dims)', () => {
  it.each([
    [[2, 2, 3], 4, [4, 3]],
    [[4, 3], 4, [4, 3]],
    [[5, 2], 4, [5, 2]],
    [[2, 3, 2], 6, [6, 2]],
    [[3, 1, 7], 3, [3, 7]],
    [[], 4, []],
  ])('%j with max %i merges to %j', (shape, max, want) => {
    expect(soapWorkingShape(shape, max, true)).toEqual(want);
  });
});

describe('soap state checks', () => {
  it('a state made under other axis options is a typed error, and nothing changes', () => {
    const params = {
      t: b.tensor(
        Array.from({ length: 12 }, (_, i) => i / 10),
        [2, 2, 3],
        'float64',
      ),
    };
    const state = scaleBySoap().init(params);
    const merged = scaleBySoap({ mergeDims: true, maxPreconditionDim: 4 });
    expect(() => merged.update(params, state, params)).toThrow(InvalidArgumentError);
    expect(() => merged.update(params, state, params)).toThrow(/factors of sides \[4, 3\]/);
    expect(state.count).toBe(0);
    b.dispose(stateTensors(params));
    b.dispose(stateTensors(state));
  });
});
