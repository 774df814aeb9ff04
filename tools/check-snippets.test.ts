/**
 * The documentation's TypeScript compiles as written: every ```ts snippet of the READMEs and
 * docs/ under `tsc --strict`, with no cast (tools/check-snippets.mjs). Fragments state what they
 * assume in a hidden `<!-- snippet: given … -->` comment; the few sketches that cannot compile
 * say `<!-- snippet: partial -->` and are counted here. The examples themselves compile under
 * the same strict settings in their packages' typecheck.
 */
import { describe, expect, it } from 'vitest';
import { checkSnippets, documentationFiles, snippetsOf } from './check-snippets.mjs';

describe('documentation snippets', () => {
  it('every TypeScript snippet compiles under --strict, with no cast', () => {
    const { checked, partial, problems } = checkSnippets() as { checked: number; partial: number; problems: string[] };
    console.log(`snippets: ${checked} compiled under --strict, ${partial} marked partial`);
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(30);
    expect(partial, 'partial snippets: keep them few').toBeLessThanOrEqual(6);
  }, 300_000);

  it('finds the snippets of the READMEs and docs, and reads the markers', () => {
    const files = documentationFiles() as string[];
    expect(files).toContain('README.md');
    expect(files).toContain('packages/optimizers/README.md');
    expect(files).toContain('docs/plugins.md');
    const layers = snippetsOf('packages/layers/README.md') as { given: string; partial: boolean }[];
    expect(layers.some((s) => s.given.includes('declare const model'))).toBe(true);
    expect(layers.some((s) => s.partial)).toBe(true);
  });
});
