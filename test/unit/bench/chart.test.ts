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
    // The numbers of the "Cleanup time (median)" table, read here with a plain split of its rows
    // (the bench rewrites the table on every run, so the expectation comes from the file).
    const ms = (cell: string) => {
      const [, value, unit] = /^([\d.]+) (ms|s)\b/.exec(cell.trim()) ?? [];
      return Number(value) * (unit === 's' ? 1000 : 1);
    };
    const rows = docs('benchmarks.md')
      .split('\n')
      .filter((line) => /^\| (small|medium|large) \| [\d.]+ (ms|s)/.test(line))
      .map((line) => line.split('|').slice(2, 8));
    expect(rows).toHaveLength(3);
    const column = (index: number, extrapolated: (cell: string) => boolean = () => false) =>
      rows.map((cells) => [ms(cells[index]!), extrapolated(cells[index]!)]);
    const near = (expected: (number | boolean)[][]) => expected.map(([value, flag]) => [expect.closeTo(value as number, 6), flag]);
    expect(table).toEqual({
      seed: near(column(0, (cell) => cell.includes('\\*'))),
      janitor: near(column(1)),
      'janitor-cli-teardown': near(column(2)),
      'cli-api': near(column(3)),
      'cli-cli': near(column(4)),
      floor: near(column(5)),
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
