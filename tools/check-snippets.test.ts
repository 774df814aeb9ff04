/**
 * The documentation's TypeScript compiles as written: every ```ts snippet of the READMEs and
 * docs/ under `tsc --strict`, with no cast (tools/check-snippets.mjs). Fragments state what they
 * assume in a hidden `<!-- snippet: given … -->` comment; the few sketches that cannot compile
 * say `<!-- snippet: partial: <reason> -->` and are counted here. The examples themselves compile under
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
    expect(partial, 'partial snippets: keep them few').toBeLessThanOrEqual(2);
  }, 300_000);

  it('finds the snippets of the READMEs and docs, and reads the markers', () => {
    const files = documentationFiles() as string[];
    expect(files).toContain('README.md');
    expect(files).toContain('packages/optimizers/README.md');
    expect(files).toContain('docs/plugins.md');
    const layers = snippetsOf('packages/layers/README.md') as { given: string; partial: boolean }[];
    expect(layers.some((s) => s.given.includes('declare const model'))).toBe(true);
  });

  it('refuses casts, a written any and a name typed any; skips a partial snippet and gives its reason', () => {
    const { checked, partials, problems } = checkSnippets(['tools/fixtures/snippets-untyped.md']) as {
      checked: number;
      partials: string[];
      problems: string[];
    };
    expect(checked).toBe(1);
    expect(partials).toEqual(['tools/fixtures/snippets-untyped.md:13: a sketch of a shape, not code']);
    const at = (line: number) => problems.filter((p) => p.startsWith(`tools/fixtures/snippets-untyped.md:${line}: `));
    expect(at(5)).toEqual(['tools/fixtures/snippets-untyped.md:5: a cast in a snippet: y as Tensor']);
    expect(at(6)).toEqual(['tools/fixtures/snippets-untyped.md:6: a cast in a snippet: <Tensor>y']);
    expect(at(7)).toEqual([
      "tools/fixtures/snippets-untyped.md:7: 'c' is typed any in a snippet: c",
      "tools/fixtures/snippets-untyped.md:7: the type 'any' in a snippet: any",
    ]);
    expect(at(8)).toEqual([]); // `as const` is no cast
    expect(at(9).some((p) => p.includes("'t' is typed any"))).toBe(true);
  });
});
