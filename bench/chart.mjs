#!/usr/bin/env node
/**
 * Redraw the chart of an existing report without rerunning the bench: reads the "Cleanup time
 * (median)" table of docs/benchmarks.md (or PATH) and writes the SVG next to it.
 *
 *   node bench/chart.mjs [PATH.md]
 *
 * `npm run bench` draws the same chart from its measurements directly.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chartDataFromMarkdown, renderChart } from './lib/chart.mjs';
import { REPO_ROOT } from './lib/engine.mjs';

const markdownPath = resolve(process.argv[2] ?? join(REPO_ROOT, 'docs/benchmarks.md'));
const svgPath = markdownPath.replace(/\.md$/, '.svg');
writeFileSync(svgPath, renderChart(chartDataFromMarkdown(readFileSync(markdownPath, 'utf8'))));
process.stderr.write(`wrote ${svgPath}\n`);
