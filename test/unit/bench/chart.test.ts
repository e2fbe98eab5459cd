/**
 * The benchmark chart (bench/lib/chart.mjs): read back from docs/benchmarks.md's table, drawn
 * from a bench report, and the committed SVG is what the script draws from the committed table.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface ChartPoint { ms: number; extrapolated?: boolean }
interface ChartData { sizes: Array<{ name: string; detail: string }>; series: Array<{ key: string; label: string; points: Array<ChartPoint | undefined> }> }
interface ChartModule {
  chartDataFromMarkdown(markdown: string): ChartData;
  chartDataFromReport(report: unknown): ChartData;
  renderChart(data: ChartData): string;
  parseMs(text: string): number;
}

// A plain JavaScript module outside the TypeScript project: imported by URL, typed here.
const chart = (await import(new URL('../../../bench/lib/chart.mjs', import.meta.url).href)) as ChartModule;
const docs = (name: string) => readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8');

describe('benchmark chart', () => {
  it('parses the times as the report prints them', () => {
    expect(chart.parseMs('277 ms')).toBe(277);
    expect(chart.parseMs('1.33 s')).toBe(1330);
    expect(chart.parseMs('206 s (3.4 min) \\*')).toBe(206_000);
    expect(chart.parseMs('n/a')).toBeNaN();
  });

  it("reads the medians of docs/benchmarks.md: seed, teardown() and the CLI commands on both transports, and the floor per size", () => {
    const data = chart.chartDataFromMarkdown(docs('benchmarks.md'));
    expect(data.sizes.map((size) => size.name)).toEqual(['small', 'medium', 'large']);
    const table = Object.fromEntries(data.series.map((series) => [series.key, series.points.map((point) => point && [point.ms, point.extrapolated === true])]));
    // The numbers of the "Cleanup time (median)" table (medium and large seed extrapolated).
    expect(table).toEqual({
      seed: [[10_200, false], [203_000, true], [1_019_000, true]],
      janitor: [[99, false], [1050, false], [4250, false]],
      'janitor-cli-teardown': [[301, false], [1550, false], [8160, false]],
      'cli-api': [[555, false], [1410, false], [4850, false]],
      'cli-cli': [[1080, false], [2370, false], [8119.999999999999, false]],
      floor: [[100, false], [864, false], [3500, false]],
    });
  });

  it('the committed SVG is the one drawn from the committed table', () => {
    expect(docs('benchmarks.svg')).toBe(chart.renderChart(chart.chartDataFromMarkdown(docs('benchmarks.md'))));
    expect(docs('benchmarks.md')).toContain('](benchmarks.svg)');
  });

  it('draws from a bench report: one line per procedure, a marker per size, hollow when extrapolated, a log axis', () => {
    const sample = (ms: number, extrapolated = false) => ({ ms, processes: 3, problems: [], ...(extrapolated ? { extrapolated } : {}) });
    const result = (name: string, containers: number, dangling: number, seed: number, janitor: number, floor: number, extrapolated: boolean) => ({
      size: { name, containers, dangling, inUse: 1 },
      runs: { seed: [sample(seed, extrapolated)], janitor: [sample(janitor), sample(janitor + 20)], 'janitor-cli': [sample(janitor * 2)], floor: [sample(floor)] },
      endState: {},
      cliProcesses: 6,
    });
    const data = chart.chartDataFromReport({ sizes: [result('small', 1, 5, 10_000, 200, 100, false), result('large', 100, 300, 900_000, 4000, 3900, true)] });
    expect(data.series.map((s) => s.points)).toEqual([
      [{ ms: 10_000 }, { ms: 900_000, extrapolated: true }],
      [{ ms: 210 }, { ms: 4010 }],
      [{ ms: 100 }, { ms: 3900 }],
    ]);
    const svg = chart.renderChart(data);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(3);
    expect(svg.match(/<circle cx="[\d.]+" cy="[\d.]+" r="4.5" fill="#ffffff"/g)).toHaveLength(1); // the extrapolated seed point
    for (const tick of ['100 ms', '1 s', '10 s', '100 s']) expect(svg).toContain(`>${tick}</text>`);
    expect(svg).toContain('cleanup time (log scale)');
    expect(svg).toContain('teardown(), API transport');
    expect(svg).not.toMatch(/<script|href=/);
  });
});
