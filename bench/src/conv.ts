/**
 * Child program: convolution throughput on backend-cpu against its own GEMM in the same process.
 * One 2-D convolution shaped like the second block of a small MNIST CNN: input [32, 14, 14, 32]
 * (NHWC), kernel [3, 3, 32, 64] (HWIO), SAME padding, stride 1. Forward is `backend.conv`;
 * backward is one call of the pullback of `ops.conv` (`vjp`, the forward pass done once before the
 * timing), which computes both cotangents (input and kernel), each itself a convolution, so it
 * does twice the forward's arithmetic. The GEMM rate is
 * `backend.matmul` on the very product im2col makes ([N·H·W, 9·C] × [9·C, O]), so the ratio
 * conv / GEMM is what the convolution keeps of the machine's matrix-product rate.
 * FLOPs: forward 2·N·H·W·(9·C)·O; backward twice that.
 */
import { childConfig, emit, measure, randomF32 } from './util.js';
import { downhillBackend, type ImplId } from './impls.js';

export interface ConvConfig {
  readonly impl: ImplId;
  readonly budgetMs: number;
}

const [N, H, W, C, O, K] = [32, 14, 14, 32, 64, 3];

async function main(): Promise<void> {
  const cfg = childConfig<ConvConfig>();
  const b = await downhillBackend(cfg.impl);
  const { ops, vjp } = await import('@downhill/autograd');
  const flops = 2 * N * H * W * K * K * C * O;
  for (const dtype of ['float32', 'float64'] as const) {
    const x = b.tensor(randomF32(N * H * W * C, 1), [N, H, W, C], dtype);
    const w = b.tensor(randomF32(K * K * C * O, 2, 0.1), [K, K, C, O], dtype);
    const ct = b.tensor(randomF32(N * H * W * O, 3), [N, H, W, O], dtype);
    const a = b.tensor(randomF32(N * H * W * K * K * C, 4), [N * H * W, K * K * C], dtype);
    const m = b.reshape(w, [K * K * C, O]);
    const opts = { warmup: 3, minReps: 5, maxReps: 200, budgetMs: cfg.budgetMs };
    const gemm = await measure(() => b.dispose(b.matmul(a, m)), opts);
    const fwd = await measure(() => b.dispose(b.conv(x, w, { padding: 'SAME' })), opts);
    const [y, pull] = vjp((p: { x: typeof x; w: typeof w }) => ops.conv(p.x, p.w, { padding: 'SAME' }), { x, w });
    const bwd = await measure(() => b.dispose(pull(ct)), opts);
    pull.dispose();
    b.dispose(y);
    const rate = (f: number, ms: number) => f / (ms * 1e6);
    const gemmRate = rate(flops, gemm.median);
    const bestGemm = rate(flops, gemm.min);
    const shape = `[${N},${H},${W},${C}] * [${K},${K},${C},${O}] SAME`;
    emit({ suite: 'conv', impl: cfg.impl, dtype, pass: 'gemm', shape, gflops: gemmRate, ...gemm });
    emit({
      suite: 'conv',
      impl: cfg.impl,
      dtype,
      pass: 'forward',
      shape,
      gflops: rate(flops, fwd.median),
      ofGemm: rate(flops, fwd.median) / gemmRate,
      ofGemmBest: rate(flops, fwd.min) / bestGemm,
      ...fwd,
    });
    emit({
      suite: 'conv',
      impl: cfg.impl,
      dtype,
      pass: 'backward',
      shape,
      gflops: rate(2 * flops, bwd.median),
      ofGemm: rate(2 * flops, bwd.median) / gemmRate,
      ofGemmBest: rate(2 * flops, bwd.min) / bestGemm,
      ...bwd,
    });
    b.dispose([x, w, ct, a, m]);
  }
}

await main();
