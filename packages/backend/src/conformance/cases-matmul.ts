import type { Shape } from '../shape.js';
import type { ComputeCase } from './case.js';

/** `[label, a shape, b shape, transposeA, transposeB]`: shapes as stored, before any transpose. */
const MATMUL_SHAPES: readonly (readonly [string, Shape, Shape, boolean, boolean])[] = [
  ['[2,3]x[3,4]', [2, 3], [3, 4], false, false],
  ['[3,2]ᵀx[3,4]', [3, 2], [3, 4], true, false],
  ['[2,3]x[4,3]ᵀ', [2, 3], [4, 3], false, true],
  ['[3,2]ᵀx[4,3]ᵀ', [3, 2], [4, 3], true, true],
  ['[1,5]x[5,1]', [1, 5], [5, 1], false, false],
  ['batched [3,2,4]x[3,4,2]', [3, 2, 4], [3, 4, 2], false, false],
  ['batch broadcast [2,2,3]x[3,4]', [2, 2, 3], [3, 4], false, false],
  ['batch broadcast [2,3]x[3,3,4]', [2, 3], [3, 3, 4], false, false],
  ['batch broadcast [2,1,2,3]x[3,3,4]', [2, 1, 2, 3], [3, 3, 4], false, false],
  ['batch broadcast [1,2,3]x[4,3,2]', [1, 2, 3], [4, 3, 2], false, false],
  ['batched transposes [2,3,2]ᵀx[2,4,3]ᵀ', [2, 3, 2], [2, 4, 3], true, true],
  ['batch broadcast transposeA [2,1,3,2]ᵀx[3,3,4]', [2, 1, 3, 2], [3, 3, 4], true, false],
  ['batch broadcast transposeB [3,2,3]x[1,4,3]ᵀ', [3, 2, 3], [1, 4, 3], false, true],
  ['inner size 0 [2,0]x[0,3]', [2, 0], [0, 3], false, false],
  ['zero rows [0,3]x[3,2]', [0, 3], [3, 2], false, false],
  ['zero batch [0,2,3]x[3,2]', [0, 2, 3], [3, 2], false, false],
  ['longer inner [4,16]x[16,3]', [4, 16], [16, 3], false, false],
];

/** Batched matrix products: all four transposes, broadcast batch dimensions, size-0 dimensions. */
export function matmulCases(): ComputeCase[] {
  return MATMUL_SHAPES.map(([label, sa, sb, ta, tb]) => ({
    id: `matmul/${label}`,
    run: (c) => c.backend.matmul(c.uniform(sa), c.uniform(sb), { transposeA: ta, transposeB: tb }),
  }));
}
