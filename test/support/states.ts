/**
 * Fast engine states for the randomised and race tests: many images from ONE legacy-builder
 * build (LABEL-only stages run no container, and every stage is kept as an image), parent chains
 * included. Only on the suite's private engine (through `dockerSync`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_IMAGE, dockerSync } from './docker.js';

export interface ImageSpec {
  /** Index of an earlier spec to build on (a parent chain); default the base image. */
  readonly from?: number | undefined;
  readonly labels?: Readonly<Record<string, string>>;
}

let batches = 0;

/** Build every spec in one `docker build`; returns the full image IDs in spec order (all untagged). */
export function buildMany(specs: readonly ImageSpec[]): string[] {
  if (specs.length === 0) return [];
  const batch = `${process.pid}-${Date.now()}-${batches++}-${Math.random().toString(36).slice(2)}`;
  const lines: string[] = [];
  specs.forEach((spec, index) => {
    if (spec.from !== undefined && !(spec.from >= 0 && spec.from < index)) throw new Error(`spec ${index}: from must name an earlier spec`);
    lines.push(`FROM ${spec.from === undefined ? BASE_IMAGE : `s${spec.from}`} AS s${index}`);
    const extra = Object.entries(spec.labels ?? {}).map(([key, value]) => ` ${JSON.stringify(key)}=${JSON.stringify(value)}`);
    lines.push(`LABEL dj.batch="${batch}" dj.stage="${index}"${extra.join('')}`);
  });
  const context = mkdtempSync(join(tmpdir(), 'dj-many-'));
  try {
    writeFileSync(join(context, 'Dockerfile'), `${lines.join('\n')}\n`);
    dockerSync(['build', '-q', context]);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  const ids = [...new Set(dockerSync(['image', 'ls', '-a', '-q', '--no-trunc', '--filter', `label=dj.batch=${batch}`]).split('\n').filter(Boolean))];
  const byStage = new Map<string, string>();
  for (const line of dockerSync(['image', 'inspect', '--format', '{{.Id}} {{index .Config.Labels "dj.stage"}}', ...ids]).split('\n')) {
    const [id = '', stage = ''] = line.trim().split(' ');
    byStage.set(stage, id);
  }
  return specs.map((_, index) => {
    const id = byStage.get(String(index));
    if (!id) throw new Error(`buildMany: stage ${index} not found among ${ids.length} images`);
    return id;
  });
}
