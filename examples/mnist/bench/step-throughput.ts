/**
 * Training throughput of the MNIST MLP on each backend: examples per second of full training steps
 * (forward, softmax cross-entropy, backward, Adam), on random data of MNIST's shape, wall time and
 * process CPU time (the CPU figure is what an idle machine would give: a loaded machine stretches
 * only the wall time).
 *
 * Usage (from examples/mnist):
 *   node --conditions=source --import tsx bench/step-throughput.ts [backends=cpu,tfjs-wasm] [hidden=256,128] [batch=128]
 */
import '@downhill/backend-cpu/register';
import '@downhill/backend-tfjs/register';
import '@downhill/optimizers/register';
import { getBackend } from '@downhill/backend';
import { constant } from '@downhill/schedulers';
import { rng } from '@downhill/initializers';
import { createTrainer } from '../src/train.js';

const backends = (process.argv[2] ?? 'cpu,tfjs-wasm').split(',');
const hidden = (process.argv[3] ?? '256,128').split(',').map(Number);
const batch = Number(process.argv[4] ?? 128);
const x = Float32Array.from({ length: batch * 784 }, (_, i) => Math.sin(i));
const y = Int32Array.from({ length: batch }, (_, i) => i % 10);
for (const name of backends) {
  const backend = await getBackend(name);
  const trainer = createTrainer(backend, {
    optimizer: 'adam',
    schedule: constant(1e-3),
    hidden,
    batchnorm: false,
    dropout: 0,
    seed: 0,
    features: 784,
  });
  const key = rng(0);
  for (let i = 0; i < 3; i++) await trainer.step(x, y, batch, key.fold(i));
  const steps = 20;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) await trainer.step(x, y, batch, key.fold(i));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  trainer.dispose();
  console.log(
    `${name.padEnd(10)} 784-${hidden.join('-')}-10 batch ${batch}: ${Math.round((steps * batch) / wall)} examples/s wall, ${Math.round((steps * batch) / cpuSeconds)} examples/s of CPU time; live tensors ${backend.memory().tensors}`,
  );
}
