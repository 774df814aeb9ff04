/** Selects the plugin by name and minimises a small quadratic with it. */
import { cpu } from '@downhill/backend-cpu';
import { Optimizer, listOptimizers, type Params } from '@downhill/optimizers';
import './register.js';

const b = cpu();
console.log(
  'registered:',
  listOptimizers()
    .map((o) => o.name)
    .join(', '),
);
let params: Params = { w: b.tensor([3, -2, 1]) };
const opt = new Optimizer({ name: 'qhadam', lr: 0.1 }, params);
for (let t = 0; t <= 200; t++) {
  const w = params.w as ReturnType<typeof b.tensor>;
  const grads = { w: b.mul(w, b.tensor([1, 10, 100])) }; // ∇ of ½ Σ hᵢ wᵢ²
  if (t % 50 === 0) console.log(`step ${t}: w = [${[...b.readSync(w)].map((v) => v.toFixed(4)).join(', ')}]`);
  params = opt.step(params, grads);
  b.dispose(grads);
}
