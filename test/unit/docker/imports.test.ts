/**
 * What loading the engine costs: the static import graph of `engineFromOptions` (and of the API
 * engine alone) holds no execa and no zod; the CLI engine reaches `client.ts` (execa) only by a
 * dynamic import, on its first call. Read from the sources, so it holds for the build too.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

/** Static, non-type imports of a module and everything they import, transitively. */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
      const specifier = match[1] ?? '';
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts').replace(/\.cjs$/, '.cts')));
      else seen.add(specifier);
    }
  };
  visit(join(SRC, entry));
  return seen;
}

const relative = (graph: Set<string>) => [...graph].map((item) => item.replace(`${SRC}/`, '')).sort();

describe('the engine import graph', () => {
  it('engineFromOptions loads neither execa nor zod, nor client.ts', () => {
    const graph = relative(staticGraph('docker/create.ts'));
    expect(graph).not.toContain('execa');
    expect(graph).not.toContain('zod');
    expect(graph).not.toContain('docker/client.ts');
    expect(graph.filter((item) => !item.startsWith('docker/') && !item.startsWith('node:'))).toEqual([]);
  });

  it('the API engine alone: node built-ins and docker/ modules only', () => {
    const graph = relative(staticGraph('docker/api/engine.ts'));
    // node:https (TLS, ~30 ms) is required on demand, for a TLS endpoint only (createRequire).
    expect(graph.filter((item) => item.startsWith('node:'))).toEqual(['node:http', 'node:module', 'node:net']); // node:net: loaded by node:http anyway
    expect(graph).not.toContain('docker/cli-engine.ts');
  });

  it('the CLI engine imports client.ts (execa) dynamically only', () => {
    const text = readFileSync(join(SRC, 'docker/cli-engine.ts'), 'utf8');
    expect(text).toMatch(/import\('\.\/client\.js'\)/);
    expect(relative(staticGraph('docker/cli-engine.ts'))).not.toContain('execa');
  });
});

describe('the runners\' setup path (nothing to clean, no options)', () => {
  for (const entry of ['session/open.ts', 'vitest/global-setup.ts']) {
    it(`${entry} loads no zod, execa, picocolors, node:https, tracking.cjs nor the summary`, () => {
      const graph = relative(staticGraph(entry));
      for (const heavy of ['zod', 'execa', 'picocolors', 'node:https', 'options/schema.ts', 'session/tracking.cts', 'docker/client.ts']) {
        expect(graph, heavy).not.toContain(heavy);
      }
      // Only the colour decision (no picocolors); the summary and publishing load at teardown.
      expect(graph.filter((item) => (item.startsWith('render/') && item !== 'render/color-enabled.ts') || item.startsWith('publish/'))).toEqual([]);
    });
  }
});

describe('zod loads only for options that need it', () => {
  // Plainly valid options (none, or booleans, known words and numbers in range) are parsed without
  // it (options/simple.ts); the schema module is imported dynamically for the rest.
  for (const entry of ['jest/global-setup.ts', 'jest/global-teardown.ts', 'cli/main.ts', 'cli/bin.ts', 'session/open.ts', 'runner/lifecycle.ts']) {
    it(`${entry} does not load zod statically`, () => {
      const graph = relative(staticGraph(entry));
      expect(graph).not.toContain('zod');
      expect(graph).not.toContain('options/schema.ts');
    });
  }
});

describe('the CLI commands', () => {
  it('load picocolors only to colour (required on demand, when the output is a terminal)', () => {
    for (const entry of ['cli/bin.ts', 'render/summary.ts', 'render/teardown-output.ts']) expect(relative(staticGraph(entry)), entry).not.toContain('picocolors');
  });
});
