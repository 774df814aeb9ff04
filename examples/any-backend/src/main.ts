// Usage: pnpm --filter downhill-example-any-backend start [backend]   (default cpu)
// Prints the loss every 10 steps; the script is the same for every backend but its name.
import { trainOn } from './train.js';

const name = process.argv[2] ?? 'cpu';
const losses = await trainOn(name);
for (let i = 0; i < losses.length; i += 10) console.log(`${name} step ${String(i).padStart(3)}  loss ${losses[i].toFixed(6)}`);
console.log(`${name} step ${losses.length}  loss ${losses[losses.length - 1].toFixed(6)}`);
