import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BackendMismatchError, BackendUnavailableError, getBackend, listBackends, selectBackend } from '@downhill/backend';
import { tfjs } from '@downhill/backend-tfjs';
import '@downhill/backend-tfjs/register';

describe('tfjs()', () => {
  it('names the backend after the tfjs backend and declares what it can do', async () => {
    const b = await tfjs({ tfBackend: 'cpu' });
    expect(b.name).toBe('tfjs-cpu');
    expect(b.capabilities).toEqual({ float64: false, syncRead: true, programs: false, inPlace: false });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('refuses an unknown tfjs backend with the reason', async () => {
    await expect(tfjs({ tfBackend: 'nope' })).rejects.toThrow(BackendUnavailableError);
    await expect(tfjs({ tfBackend: 'nope' })).rejects.toThrow(/no TensorFlow.js backend named 'nope'.*registered: .*cpu/);
  });

  it('guards the one global engine: a backend refuses to compute while another tfjs backend is active', async () => {
    const onCpu = await tfjs({ tfBackend: 'cpu' });
    const x = onCpu.tensor([1, 2, 3]);
    const onWasm = await tfjs({ tfBackend: 'wasm' });
    expect(tf.getBackend()).toBe('wasm');
    expect(() => onCpu.add(x, 1)).toThrow(BackendMismatchError);
    expect(() => onCpu.add(x, 1)).toThrow(/active backend is 'wasm'.*computes on 'cpu'/);
    expect(onCpu.memory().tensors).toBe(1); // the failed call left nothing behind
    expect([...(await x.read())]).toEqual([1, 2, 3]); // reading still works
    const y = onWasm.scope(() => onWasm.mul(onWasm.tensor([1, 2]), 3));
    expect([...onWasm.readSync(y)]).toEqual([3, 6]);
    await tf.setBackend('cpu');
    expect([...onCpu.readSync(onCpu.scope(() => onCpu.add(x, 1)))]).toEqual([2, 3, 4]);
    expect(() => onWasm.mul(y, 2)).toThrow(BackendMismatchError);
  });

  it('10,000 operations inside downhill scopes leave tf.memory().numTensors flat', async () => {
    const b = await tfjs({ tfBackend: 'cpu' });
    const before = tf.memory().numTensors;
    let x = b.keep(b.tensor([0.1, 0.2, 0.3, 0.4], [2, 2]));
    for (let i = 0; i < 2000; i++) {
      const next = b.scope(() => b.unary('tanh', b.add(b.matmul(x, x), b.mul(x, 0.5)))); // 5 ops (a scalar operand is made and freed)
      x.dispose();
      x = b.keep(next);
    }
    expect(b.readSync(x).every(Number.isFinite)).toBe(true);
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(b.memory().tensors).toBe(0);
  });
});

describe('register', () => {
  it('registers tfjs-wasm above tfjs-cpu, and they start', async () => {
    const names = listBackends();
    expect(names.indexOf('tfjs-wasm')).toBeLessThan(names.indexOf('tfjs-cpu'));
    const { name, reason } = await selectBackend({ env: {} });
    expect(name).toBe(names[0]);
    expect(reason).toMatch(name);
    const c = await getBackend('tfjs-cpu');
    expect(c.name).toBe('tfjs-cpu');
    expect(tf.getBackend()).toBe('cpu');
  });
});
