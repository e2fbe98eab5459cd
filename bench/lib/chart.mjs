/**
 * Pure: the cleanup-time chart of docs/benchmarks.md as a hand-written SVG (no dependency, no
 * script, no external reference, so GitHub renders it as an image). Cleanup time per size for
 * the seed's procedure, docker-janitor teardown() and the raw-docker floor, log-scale y axis.
 *
 * Data comes from the bench's own measurements (`chartDataFromReport`, what `npm run bench`
 * uses) or, for a report already written, from its "Cleanup time (median)" table
 * (`chartDataFromMarkdown`, what `node bench/chart.mjs` uses).
 */
import { formatMs, summarize } from './report.mjs';

/**
 * @typedef {object} ChartPoint
 * @property {number} ms
 * @property {boolean} [extrapolated]
 * @typedef {object} ChartSeries
 * @property {string} key
 * @property {string} label
 * @property {(ChartPoint | undefined)[]} points   one per size, in order
 * @typedef {object} ChartData
 * @property {{ name: string, detail: string }[]} sizes
 * @property {ChartSeries[]} series
 */

/** Each series: its key, label, style, its median in `summarize()` and its column in the markdown table. */
const SERIES = /** @type {const} */ ([
  { key: 'seed', label: "seed's procedure", color: '#c0392b', dash: '', field: 'seed', column: 1 },
  { key: 'janitor', label: 'teardown(), API transport', color: '#1f6fb5', dash: '', field: 'janitor', column: 2 },
  { key: 'janitor-cli-teardown', label: 'teardown(), CLI transport', color: '#7fb3e0', dash: '', field: 'teardownCli', column: 3 },
  { key: 'cli-api', label: 'sweep + clean, API (processes)', color: '#27ae60', dash: '3 3', field: 'cliApi', column: 4 },
  { key: 'cli-cli', label: 'sweep + clean, CLI (processes)', color: '#8e44ad', dash: '3 3', field: 'cliCli', column: 5 },
  { key: 'floor', label: 'floor (fewest raw docker calls)', color: '#6b6b6b', dash: '6 4', field: 'floor', column: 6 },
]);

/** From the bench's measurements (medians of the rounds). @param {import('./report.mjs').Report} report @returns {ChartData} */
export function chartDataFromReport(report) {
  const sizes = report.sizes.map((result) => ({ name: result.size.name, detail: `${result.size.containers} ctr / ${result.size.dangling} img` }));
  const medians = report.sizes.map((result) => ({ s: summarize(result), extrapolated: (result.runs.seed ?? []).some((sample) => sample.extrapolated) }));
  return {
    sizes,
    series: SERIES.map(({ key, label, field }) => ({
      key,
      label,
      points: medians.map(({ s, extrapolated }) => {
        const ms = /** @type {Record<string, number>} */ (s)[field];
        return Number.isFinite(ms) ? { ms, ...(key === 'seed' && extrapolated ? { extrapolated: true } : {}) } : undefined;
      }),
    })).filter((series) => series.points.some((point) => point !== undefined)),
  };
}

/**
 * From docs/benchmarks.md as `renderReport` writes it: the "Cleanup time (median)" table and the
 * sizes table. Throws naming what is missing. @param {string} markdown @returns {ChartData}
 */
export function chartDataFromMarkdown(markdown) {
  const timeRows = tableRows(markdown, '## Cleanup time (median)');
  const sizeRows = new Map(tableRows(markdown, '## Sizes and procedures').map((cells) => [cells[0], cells]));
  if (timeRows.length === 0) throw new Error('no "## Cleanup time (median)" table found');
  return {
    sizes: timeRows.map((cells) => {
      const size = sizeRows.get(cells[0]);
      return { name: cells[0] ?? '?', detail: size ? `${size[1]} ctr / ${size[2]} img` : '' };
    }),
    series: SERIES.map(({ key, label, column }) => {
      // size | seed | teardown API | teardown CLI | sweep + clean API | sweep + clean CLI | floor | …
      return {
        key,
        label,
        points: timeRows.map((cells) => {
          const text = cells[column] ?? '';
          const ms = parseMs(text);
          return Number.isFinite(ms) ? { ms, ...(text.includes('\\*') ? { extrapolated: true } : {}) } : undefined;
        }),
      };
    }).filter((series) => series.points.some((point) => point !== undefined)),
  };
}

/** `277 ms`, `1.33 s`, `206 s (3.4 min) \*` → milliseconds. @param {string} text */
export function parseMs(text) {
  const match = /([\d.]+)\s*(ms|s)\b/.exec(text);
  if (!match?.[1]) return Number.NaN;
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

/** @param {string} markdown @param {string} heading */
function tableRows(markdown, heading) {
  const start = markdown.indexOf(`${heading}\n`);
  if (start < 0) return [];
  const rows = [];
  let inTable = false;
  for (const line of markdown.slice(start + heading.length + 1).split('\n')) {
    if (line.startsWith('|')) {
      inTable = true;
      const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
      if (cells.every((cell) => /^-+:?$|^:?-+:?$/.test(cell))) continue;
      rows.push(cells);
    } else if (inTable || line.startsWith('#')) break;
  }
  return rows.slice(1); // without the header row
}

const W = 760;
const H = 440;
const M = { left: 78, right: 250, top: 56, bottom: 70 };

/** The SVG document. @param {ChartData} data @returns {string} */
export function renderChart(data) {
  const values = data.series.flatMap((series) => series.points.filter((p) => p !== undefined).map((p) => p.ms)).filter((ms) => ms > 0);
  if (values.length === 0) throw new Error('nothing to chart: no measurements');
  // Some room above and below the extremes; gridlines on the decades in between.
  const lo = Math.log10(Math.min(...values)) - 0.25;
  const top = Math.log10(Math.max(...values)) + 0.25;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const y = (/** @type {number} */ ms) => M.top + plotH - ((Math.log10(ms) - lo) / (top - lo)) * plotH;
  const x = (/** @type {number} */ index) => M.left + (plotW * (index + 0.5)) / data.sizes.length;

  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<title>Cleanup time per size, log scale: seed's procedure, docker-janitor, floor</title>`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${M.left}" y="28" font-size="15" font-weight="bold" fill="#222">Cleanup time per size (median, log scale)</text>`);

  // Grid: decades labelled, 2–9 faint.
  for (let decade = Math.floor(lo); decade <= Math.ceil(top); decade++) {
    for (let k = 1; k <= 9; k++) {
      const ms = k * 10 ** decade;
      const at = Math.log10(ms);
      if (at < lo || at > top) continue;
      out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${r(y(ms))}" y2="${r(y(ms))}" stroke="${k === 1 ? '#cfcfcf' : '#f0f0f0'}"/>`);
      if (k === 1) out.push(`<text x="${M.left - 8}" y="${r(y(ms) + 4)}" text-anchor="end" fill="#444">${escape(tick(ms))}</text>`);
    }
  }
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}" stroke="#888"/>`);
  out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#888"/>`);
  out.push(`<text transform="translate(20 ${r(M.top + plotH / 2)}) rotate(-90)" text-anchor="middle" fill="#222">cleanup time (log scale)</text>`);
  for (const [index, size] of data.sizes.entries()) {
    out.push(`<text x="${r(x(index))}" y="${M.top + plotH + 18}" text-anchor="middle" fill="#222" font-weight="bold">${escape(size.name)}</text>`);
    if (size.detail) out.push(`<text x="${r(x(index))}" y="${M.top + plotH + 33}" text-anchor="middle" fill="#666" font-size="11">${escape(size.detail)}</text>`);
  }
  out.push(`<text x="${r(M.left + plotW / 2)}" y="${H - 12}" text-anchor="middle" fill="#222">size (containers / dangling images)</text>`);

  // Series: a line, a marker per point (hollow when extrapolated), the value next to it.
  for (const series of data.series) {
    const style = SERIES.find((s) => s.key === series.key) ?? SERIES[0];
    const points = series.points.map((point, index) => (point ? { ...point, px: x(index), py: y(point.ms) } : undefined));
    const path = points.filter((p) => p !== undefined).map((p, i) => `${i === 0 ? 'M' : 'L'}${r(p.px)} ${r(p.py)}`).join(' ');
    if (path) out.push(`<path d="${path}" fill="none" stroke="${style.color}" stroke-width="2.5"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}/>`);
    for (const p of points) {
      if (!p) continue;
      out.push(`<circle cx="${r(p.px)}" cy="${r(p.py)}" r="4.5" fill="${p.extrapolated ? '#ffffff' : style.color}" stroke="${style.color}" stroke-width="2"/>`);
      // Clear of the lines (they all rise to the right): docker-janitor's values above-left,
      // the others below-right; the floor sits just under docker-janitor.
      const above = series.key === 'janitor';
      const label = `${formatMs(p.ms).replace(/ \(.*\)$/, '')}${p.extrapolated ? '*' : ''}`;
      // Values written for the seed, teardown() (API) and the floor only: the others are in the table.
      if (['seed', 'janitor', 'floor'].includes(series.key)) out.push(`<text x="${r(p.px + (above ? -9 : 9))}" y="${r(p.py + (above ? -9 : 17))}" text-anchor="${above ? 'end' : 'start'}" fill="${style.color}" font-size="11">${escape(label)}</text>`);
    }
  }

  // Legend.
  const lx = M.left + plotW + 24;
  let ly = M.top + 8;
  for (const series of data.series) {
    const style = SERIES.find((s) => s.key === series.key) ?? SERIES[0];
    out.push(`<line x1="${lx}" x2="${lx + 28}" y1="${ly}" y2="${ly}" stroke="${style.color}" stroke-width="2.5"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}/>`);
    out.push(`<circle cx="${lx + 14}" cy="${ly}" r="4" fill="${style.color}"/>`);
    out.push(`<text x="${lx + 36}" y="${ly + 4}" fill="#222">${escape(series.label)}</text>`);
    ly += 22;
  }
  if (data.series.some((series) => series.points.some((p) => p?.extrapolated))) {
    out.push(`<circle cx="${lx + 14}" cy="${ly}" r="4" fill="#ffffff" stroke="#444" stroke-width="2"/>`);
    out.push(`<text x="${lx + 36}" y="${ly + 4}" fill="#444">* extrapolated from the</text>`);
    out.push(`<text x="${lx + 36}" y="${ly + 18}" fill="#444">per-item cost measured</text>`);
    out.push(`<text x="${lx + 36}" y="${ly + 32}" fill="#444">(see the tables)</text>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Tick labels: 100 ms, 1 s, 10 s, 100 s, 1000 s. @param {number} ms */
function tick(ms) {
  return ms < 1000 ? `${ms} ms` : `${ms / 1000} s`;
}

/** @param {number} value */
function r(value) {
  return Math.round(value * 10) / 10;
}

/** @param {string} text */
function escape(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
