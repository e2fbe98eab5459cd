import { describe, expect, it } from 'vitest';
import type { CleanResult } from '../../../src/cleaner/result.js';
import { MAX_ROWS, MAX_SECTION_BYTES, bounded, cell, renderJobSummary } from '../../../src/render/job-summary.js';
import type { ResourceOutcomes, TeardownResult } from '../../../src/session/result.js';

const hex = (prefix: string) => prefix.padEnd(64, '0');
const image = (prefix: string) => `sha256:${hex(prefix)}`;
const none: ResourceOutcomes = { removed: [], kept: [], failed: [] };

const clean: CleanResult = {
  dryRun: false,
  removed: [
    { id: image('2458e6b3d9cb'), size: 5_000_000, step: 'prune' },
    { id: image('f6f6f6f6f6f6'), size: 1_200_000, step: 'remove' },
  ],
  skipped: [
    { id: image('6c6ce9a8e88c'), reason: 'in-use-stopped', containers: [{ id: hex('1dc41034e757'), name: 'old_test', state: 'exited' }], size: 7 },
    { id: image('071dd73121e8'), reason: 'in-use-running', containers: [{ id: hex('e26d8dbbf391'), name: 'kind-control-plane', state: 'running' }], size: 4 },
  ],
  failed: [{ id: image('0707070707a7'), message: 'Error response from daemon: something | odd <b>\nsecond line' }],
  filtered: 1,
  bytesReclaimed: 6_200_000,
  prune: { ran: true, reclaimed: 5_000_000 },
  durationMs: 10,
};

const teardown: TeardownResult = {
  sessionId: 'mwwvyf3m-c7ceb375',
  containers: { removed: [{ kind: 'container', id: hex('b3a517456a5d') }, { kind: 'container', id: hex('fb01a39e9d14') }], kept: [], failed: [] },
  networks: { removed: [{ kind: 'network', id: hex('c5ae340a80bb') }], kept: [], failed: [] },
  volumes: { removed: [], kept: [], failed: [{ kind: 'volume', id: 'demo-data', message: 'volume is in use' }] },
  images: { ...clean, failed: [] },
  warnings: [],
  hasProblems: true,
  durationMs: 20,
};

describe('renderJobSummary', () => {
  it('teardown: counts per kind, reclaimed bytes, skipped images with their containers, failures', () => {
    expect(renderJobSummary({ kind: 'teardown', result: teardown })).toMatchInlineSnapshot(`
      "
      ### 🧹 docker-janitor: test session \`mwwvyf3m-c7ceb375\`

      | | removed | kept | skipped (safe) | failed |
      |---|---:|---:|---:|---:|
      | containers | 2 | 0 | – | 0 |
      | networks | 1 | 0 | – | 0 |
      | volumes | 0 | 0 | – | 1 |
      | dangling images | 2 | – | 2 | 0 |

      Reclaimed **6.2MB** from dangling images.

      **Skipped images** (never forced)

      | image | why | used by |
      |---|---|---|
      | \`6c6ce9a8e88c\` | in use (stopped) | stopped \`1dc41034e757\` (old_test) |
      | \`071dd73121e8\` | in use (running) | running \`e26d8dbbf391\` (kind-control-plane) |

      **Failures**

      | what | error |
      |---|---|
      | volume \`demo-data\` | volume is in use |

      ⚠️ Cleanup finished with problems.
      "
    `);
  });

  it('teardown with kept containers says how to inspect and remove them', () => {
    const kept: TeardownResult = {
      ...teardown,
      containers: { removed: [], kept: [{ kind: 'container', id: hex('b3a517456a5d') }], failed: [] },
      networks: none,
      volumes: none,
      images: undefined,
      hasProblems: false,
    };
    expect(renderJobSummary({ kind: 'teardown', result: kept })).toMatchInlineSnapshot(`
      "
      ### 🧹 docker-janitor: test session \`mwwvyf3m-c7ceb375\`

      | | removed | kept | skipped (safe) | failed |
      |---|---:|---:|---:|---:|
      | containers | 0 | 1 | – | 0 |
      | networks | 0 | 0 | – | 0 |
      | volumes | 0 | 0 | – | 0 |

      **Kept for debugging** (the run failed): 1 object. Inspect with
      \`docker ps -a --filter label=docker-janitor.session=mwwvyf3m-c7ceb375\`, remove with
      \`npx docker-janitor sweep --session mwwvyf3m-c7ceb375\`.

      ✅ Cleanup complete.
      "
    `);
  });

  it('teardown with Docker unavailable: one warning, no tables', () => {
    const result: TeardownResult = { ...teardown, containers: none, networks: none, volumes: none, images: undefined, dockerUnavailable: 'Cannot connect to the Docker daemon at unix:///nope' };
    expect(renderJobSummary({ kind: 'teardown', result })).toMatchInlineSnapshot(`
      "
      ### 🧹 docker-janitor: test session \`mwwvyf3m-c7ceb375\`

      > [!WARNING]
      > Nothing was cleaned: Cannot connect to the Docker daemon at unix:///nope
      "
    `);
  });

  it('clean: one row of counts; a daemon message is one escaped line', () => {
    expect(renderJobSummary({ kind: 'clean', result: clean })).toMatchInlineSnapshot(`
      "
      ### 🧹 docker-janitor: dangling images

      | removed | skipped (safe) | left alone (filters) | failed | reclaimed |
      |---:|---:|---:|---:|---:|
      | 2 | 2 | 1 | 1 | 6.2MB |

      **Skipped images** (never forced)

      | image | why | used by |
      |---|---|---|
      | \`6c6ce9a8e88c\` | in use (stopped) | stopped \`1dc41034e757\` (old_test) |
      | \`071dd73121e8\` | in use (running) | running \`e26d8dbbf391\` (kind-control-plane) |

      **Failures**

      | what | error |
      |---|---|
      | image \`0707070707a7\` | Error response from daemon: something \\| odd &lt;b&gt; |

      ⚠️ 1 image could not be removed.
      "
    `);
  });

  it('sweep: one row per session, and a line when there was nothing', () => {
    const report = { containers: { removed: [{ kind: 'container' as const, id: hex('aa') }], kept: [], failed: [] }, networks: none, volumes: none, warnings: [], notes: [] };
    expect(renderJobSummary({ kind: 'sweep', dryRun: false, sessions: [{ sessionId: 'abc-1', report }, { sessionId: 'abc-2', error: 'Cannot connect' }] }))
      .toMatchInlineSnapshot(`
        "
        ### 🧹 docker-janitor: sessions left by dead test runs

        | session | containers | networks | volumes | failed | note |
        |---|---:|---:|---:|---:|---|
        | \`abc-1\` | 1 | 0 | 0 | 0 |  |
        | \`abc-2\` | – | – | – | – | could not sweep: Cannot connect |

        ⚠️ Sweep finished with problems.
        "
      `);
    expect(renderJobSummary({ kind: 'sweep', dryRun: true, sessions: [] })).toContain('✅ No dead sessions to sweep.');
  });

  it('long lists are cut with a count, and a section stays under its byte bound', () => {
    const many: CleanResult = {
      ...clean,
      skipped: Array.from({ length: 5000 }, (_, i) => ({
        id: image(i.toString(16).padStart(12, '0')),
        reason: 'in-use-running' as const,
        containers: Array.from({ length: 5 }, (_, j) => ({ id: hex(`c${j}`), name: 'x'.repeat(1000), state: 'running' })),
        size: 1,
      })),
      failed: Array.from({ length: 5000 }, (_, i) => ({ id: image(i.toString(16).padStart(12, '0')), message: 'y'.repeat(100_000) })),
    };
    const text = renderJobSummary({ kind: 'clean', result: many });
    expect(text).toContain(`| … and ${5000 - MAX_ROWS} more | | |`);
    expect(text).toContain(`| … and ${5000 - MAX_ROWS} more | |`);
    expect(text).toContain('2 more'); // containers per image: 3 shown
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_SECTION_BYTES);
    expect(text.split('\n').filter((line) => line.startsWith('| `')).length).toBe(MAX_ROWS); // skipped
    expect(text.split('\n').filter((line) => line.startsWith('| image `')).length).toBe(MAX_ROWS); // failed
  });

  it('cell: one line, bounded, no HTML, no table or code-span breaks', () => {
    expect(cell('a|b `c` <script>&\nsecond')).toBe("a\\|b 'c' &lt;script&gt;&amp;");
    expect(cell('z'.repeat(500))).toHaveLength(200);
  });
});

describe('bounded', () => {
  it('cuts a section past MAX_SECTION_BYTES at a line and says so', () => {
    const text = bounded(Array.from({ length: 2000 }, (_, i) => `line ${i} ${'x'.repeat(100)}`));
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_SECTION_BYTES);
    expect(text.trimEnd().split('\n').at(-1)).toBe('_… cut to 64 KiB (GitHub limits the job summary); see the job log or the report file._');
    expect(text).toContain('line 0 ');
    expect(text).not.toContain('line 1999 ');
  });
});

describe('teardown section: issue 9 words', () => {
  const base: TeardownResult = { sessionId: 's-1', containers: none, networks: none, volumes: none, images: undefined, warnings: [], hasProblems: false, durationMs: 1 };

  it('an incomplete teardown names the command that finishes it', () => {
    const text = renderJobSummary({ kind: 'teardown', result: { ...base, dockerUnavailable: 'not reachable', incomplete: true, hasProblems: true } });
    expect(text).toContain('Finish with `npx docker-janitor sweep --session s-1`');
  });

  it('a dry run says "would remove" for the session objects too', () => {
    const text = renderJobSummary({ kind: 'teardown', result: { ...base, dryRun: true, containers: { removed: [{ kind: 'container', id: 'c'.repeat(64) }], kept: [], failed: [] } } });
    expect(text).toContain('| | would remove | kept |');
    expect(text).toContain('Dry run complete (nothing was removed)');
  });
});
