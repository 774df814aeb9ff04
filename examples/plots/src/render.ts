import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A rendered chart: the SVG text and a PNG of it. */
export interface Rendered {
  readonly svg: string;
  readonly png: Buffer;
  /** PNG size in pixels. */
  readonly width: number;
  readonly height: number;
}

/**
 * Renders a Vega-Lite spec to SVG with Vega's headless view (`renderer: 'none'`, no canvas
 * needed) and rasterises the SVG to PNG with resvg (a Rust renderer shipped prebuilt in the npm
 * package), on a white background at `scale` times the SVG's size.
 *
 * @param spec - A Vega-Lite spec with inline data.
 * @param options - `scale` of the PNG (default 2, for sharp text).
 */
export async function renderVegaLite(spec: TopLevelSpec, { scale = 2 }: { scale?: number } = {}): Promise<Rendered> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const resvg = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: scale },
      background: 'white',
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    });
    const image = resvg.render();
    return { svg, png: image.asPng(), width: image.width, height: image.height };
  } finally {
    view.finalize();
  }
}
