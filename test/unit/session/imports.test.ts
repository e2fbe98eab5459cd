/**
 * No import cycle between folders that run in different processes: `watchdog/` (the detached
 * processes) imports `session/`, never the other way; `session/` starts them by file path only.
 * Read from the sources (static and dynamic `import`, type-only imports left out), so it holds
 * for the build too. Also: no folder-level cycle anywhere in src/ among the runtime imports.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.c?ts$/.test(name) ? [path] : [];
  });
}

/** Runtime imports (static and dynamic) of one file, as src-relative paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...[...text.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)].map((match) => match[1] ?? ''),
    ...[...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((match) => match[1] ?? ''),
  ];
  return specifiers
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(SRC, join(dirname(file), specifier.replace(/\.js$/, '.ts').replace(/\.cjs$/, '.cts'))));
}

const folderOf = (path: string) => (path.includes('/') ? path.split('/')[0] ?? '' : '.');

/** Folder → folders it imports at runtime. */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of files(SRC)) {
    const from = folderOf(relative(SRC, file));
    for (const target of importsOf(file)) {
      const to = folderOf(target);
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)?.add(to);
    }
  }
  return graph;
}

describe('import graph between folders', () => {
  it('session/ never imports watchdog/ (watchdog/ imports session/)', () => {
    const graph = folderGraph();
    expect(graph.get('watchdog')?.has('session')).toBe(true);
    expect([...(graph.get('session') ?? [])]).not.toContain('watchdog');
  });

  it('no folder-level cycle in src/', () => {
    const graph = folderGraph();
    const cycles: string[] = [];
    const visit = (node: string, path: string[]) => {
      if (path.includes(node)) {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' → '));
        return;
      }
      for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
    };
    for (const node of graph.keys()) visit(node, []);
    expect([...new Set(cycles)]).toEqual([]);
  });
});
