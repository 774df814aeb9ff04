import { cpu } from '@downhill/backend-cpu';
import { ops, vjp, valueAndGrad } from '@downhill/autograd';
const b = cpu();
const N = 128;
const t = (f: () => unknown, name: string) => {
  f();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < 3; i++)
    b.scope(() => {
      f();
    });
  const cu = process.cpuUsage(c0);
  console.log(name.padEnd(40), ((cu.user + cu.system) / 3000).toFixed(1), 'ms cpu', ((performance.now() - t0) / 3).toFixed(0), 'ms wall');
};
const x1 = b.tensor(Float32Array.from({ length: N * 784 }, Math.random), [N, 28, 28, 1]);
const k1 = b.tensor(Float32Array.from({ length: 9 * 16 }, Math.random), [3, 3, 1, 16]);
const x2 = b.tensor(Float32Array.from({ length: N * 196 * 16 }, Math.random), [N, 14, 14, 16]);
const k2 = b.tensor(Float32Array.from({ length: 9 * 16 * 32 }, Math.random), [3, 3, 16, 32]);
const a1 = b.tensor(Float32Array.from({ length: N * 784 * 16 }, Math.random), [N, 28, 28, 16]);
t(() => ops.conv(x1, k1, { padding: 'SAME' }), 'conv1 fwd');
t(() => ops.conv(x2, k2, { padding: 'SAME' }), 'conv2 fwd');
t(() => ops.relu(a1), 'relu a1');
t(() => ops.reduceWindow('max', a1, { windowShape: [1, 2, 2, 1], strides: [1, 2, 2, 1] }), 'maxpool a1');
t(
  () => valueAndGrad((x: any) => ops.sum(ops.reduceWindow('max', x, { windowShape: [1, 2, 2, 1], strides: [1, 2, 2, 1] })))(a1),
  'maxpool a1 fwd+bwd',
);
t(() => valueAndGrad((x: any) => ops.sum(ops.relu(x)))(a1), 'relu fwd+bwd');
t(() => valueAndGrad((k: any) => ops.sum(ops.conv(x2, k, { padding: 'SAME' })))(k2), 'conv2 fwd+bwd kernel');
t(() => valueAndGrad((x: any) => ops.sum(ops.conv(x, k2, { padding: 'SAME' })))(x2), 'conv2 fwd+bwd input');
t(() => valueAndGrad((k: any) => ops.sum(ops.conv(x1, k, { padding: 'SAME' })))(k1), 'conv1 fwd+bwd kernel');
t(() => valueAndGrad((x: any) => ops.sum(ops.max(ops.reshape(x, [N, 14, 2, 14, 2, 16]), { axis: [2, 4] })))(a1), 'reshape-max fwd+bwd');
t(
  () => valueAndGrad((x: any) => ops.sum(ops.reduceWindow('sum', x, { windowShape: [1, 2, 2, 1], strides: [1, 2, 2, 1] })))(a1),
  'sumpool fwd+bwd',
);
