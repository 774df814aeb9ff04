import { cpu } from '@downhill/backend-cpu';
import { valueAndGrad } from '@downhill/autograd';
import { Conv2D, Dense, Flatten, AvgPool, ReLU, Sequential, type Params } from '@downhill/layers';
import { softmaxCrossEntropy } from '@downhill/losses';
import { Optimizer, adam } from '@downhill/optimizers';
const b = cpu();
const [c1, c2, batch] = (process.argv[2] ?? '16,32,128').split(',').map(Number);
const model = new Sequential({
  conv1: new Conv2D(1, c1, 3, { padding: 'SAME', kernelInit: 'heNormal' }),
  relu1: new ReLU(),
  pool1: new AvgPool(2),
  conv2: new Conv2D(c1, c2, 3, { padding: 'SAME', kernelInit: 'heNormal' }),
  relu2: new ReLU(),
  pool2: new AvgPool(2),
  flatten: new Flatten(),
  dense: new Dense(7 * 7 * c2, 128, { kernelInit: 'heNormal' }),
  relu3: new ReLU(),
  out: new Dense(128, 10),
}).init(b, { seed: 0 });
const opt = new Optimizer(adam(1e-3), model.parameters());
const x = b.tensor(
  Float32Array.from({ length: batch * 784 }, () => Math.random()),
  [batch, 28, 28, 1],
);
const y = b.tensor(
  Int32Array.from({ length: batch }, (_, i) => i % 10),
  [batch],
  'int32',
);
const f = valueAndGrad((p: Params) => softmaxCrossEntropy(model.apply(p, x), y));
for (let i = 0; i < 6; i++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const [loss, g] = f(model.parameters());
  model.setParameters(opt.step(model.parameters(), g as Params));
  const l = b.readSync(loss)[0];
  b.dispose([loss, g]);
  const cu = process.cpuUsage(c0);
  console.log(
    `step ${i}: loss ${l.toFixed(3)} wall ${(performance.now() - t0).toFixed(0)} ms cpu ${((cu.user + cu.system) / 1000).toFixed(0)} ms`,
  );
}
