import { describe, expect, it } from 'vitest';
import { getBackend, hasBackend, listBackends, selectBackend, SPECIFICATION_VERSION } from '@downhill/backend';

describe('@downhill/backend-cpu/register', () => {
  it('registers cpu, and a second evaluation of the entry point is harmless', async () => {
    await import('./register.js');
    expect(hasBackend('cpu')).toBe(true);
    // a fresh evaluation of the same file (the query makes it a new module instance)
    await expect(import('./register.js?again' as string)).resolves.toBeDefined();
    expect(listBackends().filter((n) => n === 'cpu')).toEqual(['cpu']);
  });

  it('getBackend and selectBackend start one shared cpu backend', async () => {
    await import('./register.js');
    const b = await getBackend('cpu');
    expect(b.name).toBe('cpu');
    expect(b.specificationVersion).toBe(SPECIFICATION_VERSION);
    expect(b.capabilities).toMatchObject({ float64: true, syncRead: true, inPlace: true });
    expect(await getBackend('cpu')).toBe(b);
    const sel = await selectBackend({ name: 'cpu' });
    expect(sel.backend).toBe(b);
    const auto = await selectBackend({ env: {} });
    expect(auto.reason).toMatch(/cpu/);
    const y = b.scope(() => b.reduce('sum', b.mul(b.tensor([1, 2, 3]), 2)));
    expect([...(await y.read())]).toEqual([12]);
  });
});
