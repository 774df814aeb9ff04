/**
 * `pnpm --filter downhill-example-optimizers-alone start`: trains a logistic regression with
 * @downhill/optimizers alone and prints the loss going down.
 */
import { train } from './train.js';

console.log('logistic regression on 512 synthetic points, 8 features; adam with warm-up and cosine decay');
console.log('step   loss      lr');
const { initialLoss, finalLoss, accuracy } = await train({
  log: (step, loss, lr) => console.log(`${String(step).padStart(4)}   ${loss.toFixed(5)}   ${lr.toExponential(2)}`),
});
console.log(
  `loss ${initialLoss.toFixed(4)} → ${finalLoss.toFixed(4)} (÷${(initialLoss / finalLoss).toFixed(1)}), training accuracy ${(accuracy * 100).toFixed(1)} %`,
);
