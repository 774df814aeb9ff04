/**
 * The kernel gradient of a 2-D convolution (`Conv2DBackpropFilter`) for TensorFlow.js's wasm
 * backend, which 4.22 lacks (`model.trainOnBatch` of any model with a conv2d layer fails there with
 * "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'"). The cnn bench registers it so
 * that tfjs-layers can train on wasm at all; it is built from the wasm backend's own kernels only
 * (Transpose and Conv2D, XNNPACK's convolution), as XLA and jax do it:
 *
 *   dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh·s + kh − padTop, ow·s + kw − padLeft, ci] · dy[n, oh, ow, co]
 *
 * is a convolution of x with its batch and channel axes swapped (`[Ci, H, W, N]`) by dy as the
 * filter (`[OH, OW, N, Co]`), the stride becoming the filter's dilation, with stride 1; its output
 * `[Ci, KH, KW, Co]` transposed back is the HWIO kernel gradient.
 */
type Tf = typeof import('@tensorflow/tfjs');

interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: string;
}

interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: { disposeData(dataId: object): boolean };
  attrs: Record<string, unknown>;
}

/**
 * Registers `Conv2DBackpropFilter` for the `wasm` backend (NHWC, no dilation of the forward
 * convolution, as tfjs-layers' conv2d). Does nothing where a kernel is already registered.
 *
 * @returns whether this call registered it.
 * @throws where the wasm backend has no Transpose or Conv2D kernel.
 */
export function registerWasmConv2DBackpropFilter(tf: Tf): boolean {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return false;
  const transpose = tf.getKernel('Transpose', 'wasm');
  const conv2d = tf.getKernel('Conv2D', 'wasm');
  if (!transpose || !conv2d) throw new Error('tfjs-backend-wasm has no Transpose or Conv2D kernel to build Conv2DBackpropFilter from');
  const run = (k: typeof transpose, args: KernelArgs) => k.kernelFunc(args as never) as unknown as TensorInfo;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ((args: KernelArgs) => {
      const { x, dy } = args.inputs;
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as {
        strides: number | [number, number];
        pad: 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
        dataFormat?: 'NHWC' | 'NCHW';
        dimRoundingMode?: 'floor' | 'round' | 'ceil';
        filterShape: [number, number, number, number];
      };
      if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter (wasm, filled in by the bench): only NHWC');
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filterShape,
        strides,
        1,
        pad,
        dimRoundingMode,
      );
      const [KH, KW] = [info.filterHeight, info.filterWidth];
      const [H, W] = [info.inHeight, info.inWidth];
      const [OH, OW] = [info.outHeight, info.outWidth];
      const [sh, sw] = [info.strideHeight, info.strideWidth];
      const top = info.padInfo.top;
      const left = info.padInfo.left;
      // The padding after makes the stride-1 output exactly KH × KW (never negative for tfjs's paddings).
      const bottom = KH - 1 + (OH - 1) * sh - H - top + 1;
      const right = KW - 1 + (OW - 1) * sw - W - left + 1;
      if (bottom < 0 || right < 0)
        throw new Error('Conv2DBackpropFilter (wasm, filled in by the bench): input rows beyond the last window');
      const xt = run(transpose, { inputs: { x }, backend: args.backend, attrs: { perm: [3, 1, 2, 0] } }); // [Ci, H, W, N]
      const dyt = run(transpose, { inputs: { x: dy }, backend: args.backend, attrs: { perm: [1, 2, 0, 3] } }); // [OH, OW, N, Co]
      const out = run(conv2d, {
        inputs: { x: xt, filter: dyt },
        backend: args.backend,
        attrs: {
          strides: 1,
          pad: [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ],
          dataFormat: 'NHWC',
          dilations: [sh, sw],
        },
      }); // [Ci, KH, KW, Co]
      const dw = run(transpose, { inputs: { x: out }, backend: args.backend, attrs: { perm: [1, 2, 0, 3] } });
      for (const t of [xt, dyt, out]) args.backend.disposeData(t.dataId);
      return dw;
    }) as never,
  });
  return true;
}

/**
 * Checks the registered kernel against tfjs-cpu's own `Conv2DBackpropFilter`: the kernel gradient
 * of `sum(conv2d(x, w) · r)` for a few small convolutions (SAME and VALID, strides 1 and 2), on the
 * wasm backend and on the cpu backend, must agree to float32 rounding. Leaves `wasm` the backend.
 *
 * @throws naming the case and the largest difference where they do not agree.
 */
export async function checkWasmConv2DBackpropFilter(tf: Tf): Promise<void> {
  const cases = [
    { x: [2, 6, 6, 3], w: [3, 3, 3, 4], strides: 1, pad: 'same' },
    { x: [3, 7, 5, 2], w: [3, 2, 2, 5], strides: 2, pad: 'same' },
    { x: [2, 7, 7, 3], w: [3, 3, 3, 2], strides: 2, pad: 'valid' },
    { x: [4, 8, 8, 32], w: [3, 3, 32, 8], strides: 1, pad: 'same' },
  ] as const;
  let seed = 1;
  const rand = (n: number) =>
    Float32Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648 - 0.5;
    });
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  for (const c of cases) {
    const data = { x: rand(size(c.x)), w: rand(size(c.w)) };
    const grads: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const g = tf.tidy(() => {
        const x = tf.tensor4d(data.x, c.x as unknown as [number, number, number, number]);
        const w = tf.tensor4d(data.w, c.w as unknown as [number, number, number, number]);
        const r = tf.sin(tf.conv2d(x, w, c.strides, c.pad)); // a fixed, non-uniform output gradient
        return tf.grad((k) => tf.sum(tf.mul(tf.conv2d(x, k as typeof w, c.strides, c.pad), r)))(w);
      });
      grads.push((await g.data()) as Float32Array);
      g.dispose();
    }
    const [want, got] = grads;
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
    if (!(worst < 1e-4) || got.length !== want.length) {
      throw new Error(
        `Conv2DBackpropFilter filled in for wasm disagrees with tfjs-cpu's on x ${c.x.join('×')}, w ${c.w.join('×')}, strides ${c.strides}, ${c.pad}: relative difference ${worst}`,
      );
    }
  }
}
