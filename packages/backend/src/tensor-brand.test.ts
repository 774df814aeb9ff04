import { describe, expect, it } from 'vitest';
import type { Backend } from './backend.js';
import { Tensor } from './tensor.js';

describe('Tensor across copies of @downhill/backend', () => {
  it('a tensor of one copy is `instanceof Tensor` of another (a plugin brings its own copy); other objects are not', async () => {
    // The query string makes Vite load the file again as a separate module: another class Tensor.
    const other = ((await import('./tensor.js?second-copy' as string)) as typeof import('./tensor.js')).Tensor;
    expect(other).not.toBe(Tensor);
    const fake = {} as Backend;
    const mine = new Tensor(fake, null, [2], 'float32', 2);
    const theirs = new other(fake, null, [2], 'float32', 2);
    expect(theirs instanceof Tensor).toBe(true);
    expect(mine instanceof other).toBe(true);
    expect({ shape: [2], dtype: 'float32', backend: fake } instanceof Tensor).toBe(false);
    expect((null as unknown as object) instanceof Tensor).toBe(false);
  });
});
