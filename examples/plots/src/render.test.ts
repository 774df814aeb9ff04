import { describe, expect, it } from 'vitest';
import { pngSize } from './png-size.js';
import { renderVegaLite } from './render.js';

describe('renderVegaLite', () => {
  it('draws a spec as SVG with its marks and a PNG of scale times its size', async () => {
    const spec = {
      width: 60,
      height: 40,
      data: {
        values: [
          { x: 0, y: 1 },
          { x: 1, y: 3 },
          { x: 2, y: 2 },
        ],
      },
      mark: 'line' as const,
      encoding: { x: { field: 'x', type: 'quantitative' as const }, y: { field: 'y', type: 'quantitative' as const } },
    };
    const one = await renderVegaLite(spec, { scale: 1 });
    const two = await renderVegaLite(spec, { scale: 2 });
    expect(one.svg.startsWith('<svg')).toBe(true);
    expect(one.svg).toContain('role-mark');
    expect(pngSize(one.png)).toEqual({ width: one.width, height: one.height });
    expect(pngSize(two.png)).toEqual({ width: two.width, height: two.height });
    // The PNG's size is the SVG's, times the scale (resvg rounds up).
    const svgWidth = Number(/width="(\d+(?:\.\d+)?)"/.exec(one.svg)?.[1]);
    expect(one.width).toBe(Math.ceil(svgWidth));
    expect(two.width).toBe(Math.ceil(2 * svgWidth));
  }, 60_000);

  it('pngSize refuses bytes that are not a PNG', () => {
    expect(() => pngSize(new Uint8Array(24))).toThrow('not a PNG: bad signature');
  });
});
