import { Transpose, getKernel, registerKernel, unregisterKernel, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { webgpu_util, type WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

const COMPONENTS = ['x', 'y', 'z', 'w', 'u', 'v'];
const PATCHED = Symbol.for('downhill.webgpu.intTranspose');

/** The WGSL coordinate type tfjs's shader helpers use for a rank. */
function coordsType(rank: number): string {
  return rank <= 4 ? `vec${rank}<i32>` : `vec${rank}`;
}

/**
 * A transpose of an `int32` or `bool` tensor (both stored as `i32` on the GPU) for tfjs's WebGPU
 * backend: each thread finds its output coordinates, permutes them back to the input's and copies
 * one element, keeping it an integer.
 */
function intTransposeProgram(shape: readonly number[], perm: readonly number[]) {
  const rank = shape.length;
  const outputShape = perm.map((p) => shape[p]);
  const inputCoords = new Array<string>(rank);
  perm.forEach((p, i) => (inputCoords[p] = `coords.${COMPONENTS[i]}`));
  const dispatchLayout = webgpu_util.flatDispatchLayout(outputShape);
  const workgroupSize: [number, number, number] = [64, 1, 1];
  return {
    variableNames: ['A'],
    outputShape,
    dispatchLayout,
    dispatch: webgpu_util.computeDispatch(dispatchLayout, outputShape, workgroupSize),
    workgroupSize,
    size: true,
    shaderKey: `downhill_int_transpose_${perm.join('_')}`,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let coords = getCoordsFromIndex(index);
          setOutputAtIndexI32(index, i32(A[getIndexFromCoords${rank}D(${coordsType(rank)}(${inputCoords.join(', ')}), uniforms.aShape)]));
        }
      }`,
  };
}

/**
 * Works around a defect of tfjs-backend-webgpu 4.22: its general `Transpose` shader passes an
 * `i32` element to a function that takes `f32`, so for an `int32` or `bool` tensor held on the GPU
 * (any transpose but a plain 2-D one) the shader does not compile, the dispatch is dropped, and
 * the result holds whatever its buffer held before. Replaces the `Transpose` kernel of tfjs's
 * `webgpu` backend with one that sends those cases to {@link intTransposeProgram} and everything
 * else to the original kernel. Idempotent.
 */
export function patchIntTranspose(): void {
  const original = getKernel(Transpose, 'webgpu');
  if (!original || (original.kernelFunc as { [PATCHED]?: boolean })[PATCHED]) return;
  const kernelFunc = ((args) => {
    const x = args.inputs.x as TensorInfo;
    const perm = (args.attrs as { perm: number[] }).perm;
    const backend = args.backend as WebGPUBackend;
    const plain2d = x.shape.length === 2 && perm[0] === 1 && perm[1] === 0;
    if (
      (x.dtype === 'int32' || x.dtype === 'bool') &&
      x.shape.length >= 2 &&
      x.shape.length <= 6 &&
      !plain2d &&
      !backend.shouldExecuteOnCPU([x])
    ) {
      return backend.runWebGPUProgram(intTransposeProgram(x.shape, perm), [x], x.dtype);
    }
    return original.kernelFunc(args);
  }) as KernelFunc & { [PATCHED]?: boolean };
  kernelFunc[PATCHED] = true;
  unregisterKernel(Transpose, 'webgpu');
  registerKernel({ ...original, kernelFunc });
}
