import { afterEach, describe, expect, it } from 'vitest';
import { cpu } from '../index.js';
import {
  BackendNotFoundError,
  BackendUnavailableError,
  InvalidArgumentError,
  getBackend,
  hasBackend,
  listBackends,
  registerBackend,
  selectBackend,
  unregisterBackend,
} from '@downhill/backend';

const registered: string[] = [];
function register(
  name: string,
  priority: number,
  create: () => ReturnType<typeof cpu> | Promise<ReturnType<typeof cpu>>,
  description?: string,
) {
  registerBackend({ name, priority, create, description });
  registered.push(name);
}

afterEach(() => {
  for (const n of registered.splice(0)) unregisterBackend(n);
});

describe('backend registry', () => {
  it('refuses an unknown name, listing the registered ones and how to register', async () => {
    register('test-cpu', 10, () => cpu());
    await expect(getBackend('no-such')).rejects.toThrow(BackendNotFoundError);
    await expect(getBackend('no-such')).rejects.toThrow(/no backend named 'no-such'.*registered: test-cpu/);
    await expect(getBackend('no-such')).rejects.toThrow(/@downhill\/backend-cpu\/register/);
    await expect(selectBackend({ env: { DOWNHILL_BACKEND: 'nope' } })).rejects.toThrow(/'nope'/);
  });

  it('ranks a backend that demotes itself once started (a software adapter) below the others, and says why', async () => {
    const gpu = cpu();
    registerBackend({
      name: 'test-gpu',
      priority: 200,
      description: 'a GPU backend',
      create: () => gpu,
      rank: (b) => (b === gpu ? { priority: 50, reason: 'software adapter (llvmpipe)' } : undefined),
    });
    registered.push('test-gpu');
    register('test-cpu', 150, () => cpu(), 'the CPU');
    register('test-slow', 5, () => cpu());
    const sel = await selectBackend({ env: {} });
    expect(sel.name).toBe('test-cpu');
    expect(sel.reason).toBe(
      'test-cpu (the CPU): the highest-priority backend that started here; ranked below it: test-gpu: software adapter (llvmpipe) (priority 50 instead of 200)',
    );
    expect(sel.tried).toEqual([
      { name: 'test-gpu', demoted: 'software adapter (llvmpipe) (priority 50 instead of 200)' },
      { name: 'test-cpu' },
    ]);
    // named, it is used as named
    expect((await selectBackend({ name: 'test-gpu' })).backend).toBe(gpu);
  });

  it('still picks a demoted backend over lower priorities, and when nothing else starts', async () => {
    registerBackend({ name: 'test-gpu', priority: 200, create: () => cpu(), rank: () => ({ priority: 50, reason: 'software adapter' }) });
    registered.push('test-gpu');
    register('test-broken', 150, () => {
      throw new BackendUnavailableError('no such device');
    });
    register('test-slow', 5, () => cpu());
    const sel = await selectBackend({ env: {} });
    expect(sel.name).toBe('test-gpu');
    expect(sel.reason).toBe(
      'test-gpu: the highest-priority backend that started here (software adapter (priority 50 instead of 200), but nothing ranked higher started); tried first: test-broken: no such device',
    );
  });

  it('refuses a second registration and a malformed name', () => {
    register('test-cpu', 10, () => cpu());
    expect(() => registerBackend({ name: 'test-cpu', priority: 1, create: () => cpu() })).toThrow(InvalidArgumentError);
    expect(() => registerBackend({ name: 'test-cpu', priority: 1, create: () => cpu() })).toThrow(/already registered/);
    expect(() => registerBackend({ name: 'Bad Name', priority: 1, create: () => cpu() })).toThrow(/lowercase/);
    expect(hasBackend('test-cpu')).toBe(true);
  });

  it('starts a backend once and shares it', async () => {
    let made = 0;
    register('test-cpu', 10, () => {
      made++;
      return cpu();
    });
    const [a, b] = await Promise.all([getBackend('test-cpu'), getBackend('test-cpu')]);
    expect(a).toBe(b);
    expect(made).toBe(1);
  });

  it('selects by name, by environment, else the highest priority that starts, saying why', async () => {
    register('test-low', 5, () => cpu(), 'low');
    register('test-high', 50, () => cpu(), 'high');
    register('test-broken', 500, () => {
      throw new BackendUnavailableError('no adapter here');
    });
    expect(listBackends().slice(0, 3)).toEqual(['test-broken', 'test-high', 'test-low']);
    const auto = await selectBackend({ env: {} });
    expect(auto.name).toBe('test-high');
    expect(auto.reason).toMatch(/test-high \(high\)/);
    expect(auto.reason).toMatch(/test-broken: no adapter here/);
    expect(auto.tried.map((t) => t.name)).toEqual(['test-broken', 'test-high']);
    expect((await selectBackend({ name: 'test-low', env: {} })).reason).toMatch(/named in code/);
    expect((await selectBackend({ env: { DOWNHILL_BACKEND: 'test-low' } })).reason).toMatch(/DOWNHILL_BACKEND/);
  });

  it('refuses a backend built for another interface version', async () => {
    register('test-old', 1, () => ({ ...cpu(), specificationVersion: 'downhill-backend-v0' }) as never);
    await expect(getBackend('test-old')).rejects.toThrow(BackendUnavailableError);
    await expect(getBackend('test-old')).rejects.toThrow(/downhill-backend-v0/);
  });
});
