/**
 * checkOptions of `@downhill/backend`, and unknown options of that package's own functions. The backend interface's
 * options (matmul, runProgram) are checked once in defineBackend, for every backend.
 */
import { InvalidArgumentError, UnknownOptionError, checkOptions, nearestOption, registerBackend, selectBackend } from '@downhill/backend';
import { describe, expect, it } from 'vitest';
import { cpu } from '../index.js';

interface AdamLike {
  readonly b1?: number;
  readonly b2?: number;
  readonly weightDecay?: number;
  readonly epsRoot?: number;
}
const KEYS = { b1: true, b2: true, weightDecay: true, epsRoot: true } as const;

describe('checkOptions', () => {
  it('passes known keys and undefined through', () => {
    const o = { b1: 0.8 };
    expect(checkOptions<AdamLike>('adam', o, KEYS)).toBe(o);
    expect(checkOptions<AdamLike>('adam', undefined, KEYS)).toEqual({});
  });

  it('rejects an unknown key, names the valid keys and suggests the nearest', () => {
    let err: unknown;
    try {
      checkOptions<AdamLike>('adamw', { weight_decay: 0.5 } as never, KEYS);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnknownOptionError);
    expect((err as UnknownOptionError).code).toBe('UNKNOWN_OPTION');
    expect((err as UnknownOptionError).suggestion).toBe('weightDecay');
    expect((err as Error).message).toBe(
      "adamw: unknown option 'weight_decay' (did you mean 'weightDecay'?); adamw takes b1, b2, weightDecay, epsRoot",
    );
  });

  it('rejects a value that is not a plain object', () => {
    for (const v of [null, 5, 'b1', [1], new Map()])
      expect(() => checkOptions<AdamLike>('adam', v as never, KEYS)).toThrow(InvalidArgumentError);
  });

  it('nearestOption: same letters, aliases of other libraries, edit distance, nothing when far', () => {
    const keys = ['b1', 'b2', 'eps', 'epsRoot', 'weightDecay', 'momentum', 'decay', 'lr'];
    expect(nearestOption('WEIGHT-DECAY', keys)).toBe('weightDecay');
    expect(nearestOption('beta2', keys)).toBe('b2');
    expect(nearestOption('learning_rate', keys)).toBe('lr');
    expect(nearestOption('epsilon', keys)).toBe('eps');
    expect(nearestOption('momemtum', keys)).toBe('momentum');
    expect(nearestOption('nesterov', keys)).toBeUndefined();
  });

  it("the package's own options objects: registerBackend, selectBackend, matmul, runProgram", async () => {
    expect(() => registerBackend({ name: 'opt-test', create: cpu, priority: 1, prio: 2 } as never)).toThrow(
      /'prio' \(did you mean 'priority'\?\)/,
    );
    await expect(selectBackend({ nme: 'cpu' } as never)).rejects.toThrow(UnknownOptionError);
    const b = cpu();
    const a = b.ones([2, 2]);
    expect(() => b.matmul(a, a, { transpose_a: true } as never)).toThrow(/'transpose_a' \(did you mean 'transposeA'\?\)/);
    expect(() => b.runProgram({ inputs: 0, nodes: [], outputs: [] } as never, [], { inplace: [] } as never)).toThrow(
      /'inplace' \(did you mean 'inPlace'\?\)/,
    );
    b.dispose(a);
  });
});
