import { describe, expect, it } from 'vitest';
import type { CleanResult } from '../../../src/cleaner/result.js';
import { renderCleanSummary, renderTeardownSummary } from '../../../src/render/summary.js';
import type { ResourceOutcomes, TeardownResult } from '../../../src/session/result.js';

/** A full 64-hex ID that starts with `prefix` (12 hex, as Docker's short IDs). */
const hex = (prefix: string) => prefix.padEnd(64, '0');
const image = (prefix: string) => `sha256:${hex(prefix)}`;

const base: CleanResult = {
  dryRun: false,
  removed: [],
  skipped: [],
  failed: [],
  filtered: 0,
  bytesReclaimed: 0,
  prune: { ran: false, reclaimed: 0, skippedBecause: 'no dangling images' },
  warnings: [],
  durationMs: 12,
};

/** The seed's situation: 9 removable images, one used by a stopped and one by a running container. */
const seedCase: CleanResult = {
  ...base,
  removed: [
    ...['2458e6b3d9cb', '16c853aa69c7', 'a1a1a1a1a1a1', 'b2b2b2b2b2b2', 'c3c3c3c3c3c3', 'd4d4d4d4d4d4', 'e5e5e5e5e5e5'].map((prefix) => ({
      id: image(prefix),
      size: 5_000_000,
      step: 'prune' as const,
    })),
    { id: image('f6f6f6f6f6f6'), size: 1_200_000, step: 'remove' },
    { id: image('0707070707a7'), size: 300_000, step: 'remove' },
  ],
  skipped: [
    {
      id: image('6c6ce9a8e88c'),
      reason: 'in-use-stopped',
      containers: [{ id: hex('1dc41034e757'), name: 'old_test', state: 'exited' }],
      size: 7_000_000,
    },
    {
      id: image('071dd73121e8'),
      reason: 'in-use-running',
      containers: [{ id: hex('e26d8dbbf391'), name: 'kind-control-plane', state: 'running' }],
      size: 400_000_000,
    },
  ],
  bytesReclaimed: 40_500_000 + 1_500_000,
  prune: { ran: true, reclaimed: 40_500_000 },
};

const none: ResourceOutcomes = { removed: [], kept: [], failed: [] };

const teardownBase: TeardownResult = {
  sessionId: 'k3x9f2',
  containers: none,
  networks: none,
  volumes: none,
  images: undefined,
  warnings: [],
  hasProblems: false,
  durationMs: 40,
};

describe('renderCleanSummary', () => {
  it('renders the seed situation: pruned, removed, skipped in-use images with their containers', () => {
    expect(renderCleanSummary(seedCase, { color: false })).toMatchInlineSnapshot(`
      "🧹 Cleaning up dangling Docker images...
      ✓ Pruned: 7 <none> images, reclaimed 40.5MB
      ✓ Removed 2 <none> images, reclaimed 1.5MB
      ✓ Skipped 2 in-use images (safe)
        - 6c6ce9a8e88c  used by stopped container 1dc41034e757 (old_test)
        - 071dd73121e8  used by running container e26d8dbbf391 (kind-control-plane)
      ✓ Cleanup complete"
    `);
  });

  it('says so when there is nothing to remove', () => {
    expect(renderCleanSummary(base, { color: false })).toMatchInlineSnapshot(`
      "🧹 Cleaning up dangling Docker images...
      ✓ No <none> images to remove
      ✓ Cleanup complete"
    `);
  });

  it('dry run: "Would remove" with each image, nothing else changes', () => {
    const dryRun: CleanResult = {
      ...seedCase,
      dryRun: true,
      removed: seedCase.removed.slice(0, 2).map((item) => ({ ...item, step: 'remove' as const })),
      bytesReclaimed: 0,
      prune: { ran: false, reclaimed: 0 },
    };
    expect(renderCleanSummary(dryRun, { color: false })).toMatchInlineSnapshot(`
      "🧹 Cleaning up dangling Docker images (dry run)...
      ✓ Would remove 2 <none> images
        - 2458e6b3d9cb  5MB
        - 16c853aa69c7  5MB
      ✓ Skipped 2 in-use images (safe)
        - 6c6ce9a8e88c  used by stopped container 1dc41034e757 (old_test)
        - 071dd73121e8  used by running container e26d8dbbf391 (kind-control-plane)
      ✓ Dry run complete (nothing was removed)"
    `);
  });

  it('explains every other skip reason, and names the option that removes digest-only images', () => {
    const result: CleanResult = {
      ...base,
      removed: [{ id: image('aaaaaaaaaaaa'), size: 6, step: 'remove' }],
      skipped: [
        { id: image('111111111111'), reason: 'has-children', containers: [], size: 1 },
        { id: image('222222222222'), reason: 'tagged', containers: [], size: 1 },
        { id: image('333333333333'), reason: 'multiple-repositories', containers: [], size: 1 },
        { id: image('444444444444'), reason: 'digested', containers: [], size: 1 },
        { id: image('555555555555'), reason: 'digested', containers: [], size: 1 },
        { id: image('666666666666'), reason: 'gone', containers: [], size: 1 },
        {
          id: image('777777777777'),
          reason: 'in-use-stopped',
          containers: [{ id: hex('888888888888'), name: 'never_started', state: 'created' }],
          size: 1,
        },
        // Named only by the daemon's conflict answer: 12-hex container, no name, no state.
        { id: image('999999999999'), reason: 'in-use-running', containers: [{ id: '9a38c082494b' }], size: 1 },
        { id: image('abababababab'), reason: 'in-use', containers: [], size: 1 },
      ],
      filtered: 3,
      prune: { ran: false, reclaimed: 0, skippedBecause: 'digest-only images are present and prune would remove them' },
    };
    expect(renderCleanSummary(result, { color: false })).toMatchInlineSnapshot(`
      "🧹 Cleaning up dangling Docker images...
      ✓ Removed 1 <none> image, reclaimed 6B
      ✓ Skipped 3 in-use images (safe)
        - 777777777777  used by created (never started) container 888888888888 (never_started)
        - 999999999999  used by running container 9a38c082494b
        - abababababab  used by a container
      ✓ Skipped 1 image with dependent child images (safe)
        - 111111111111  other images are built on it
      ✓ Skipped 2 tagged images (safe)
        - 222222222222  it has a tag
        - 333333333333  referenced in several repositories
      ✓ Kept 2 digest-only images (--remove-digested removes them)
        - 444444444444  no tag, but a repository digest (pulled by digest)
        - 555555555555  no tag, but a repository digest (pulled by digest)
      ✓ Skipped 1 image already removed by someone else
        - 666666666666  already gone
      ✓ Left 3 other <none> images alone (outside the filters)
      ✓ Cleanup complete"
    `);
    expect(renderCleanSummary(result, { color: false, optionStyle: 'config' })).toContain(
      'Kept 2 digest-only images (removeDigested: true removes them)',
    );
  });

  it('lists at most three containers per image', () => {
    const result: CleanResult = {
      ...base,
      skipped: [
        {
          id: image('cccccccccccc'),
          reason: 'in-use-running',
          containers: ['c1', 'c2', 'c3', 'c4', 'c5'].map((name, index) => ({
            id: hex(`${index}`.repeat(12)),
            name,
            state: index === 0 ? 'running' : 'exited',
          })),
          size: 1,
        },
      ],
    };
    expect(renderCleanSummary(result, { color: false }).split('\n')[3]).toMatchInlineSnapshot(`"  - cccccccccccc  used by running container 000000000000 (c1), stopped container 111111111111 (c2), stopped container 222222222222 (c3), 2 more"`);
  });

  it('ends with a warning and each failure with its message when a removal failed', () => {
    const result: CleanResult = {
      ...seedCase,
      failed: [
        { id: image('dededededede'), message: 'Command failed with exit code 1: docker image rm sha256:dede…\nsecond line' },
        { id: image('efefefefefef'), message: 'driver failed removing layer' },
      ],
    };
    expect(renderCleanSummary(result, { color: false })).toMatchInlineSnapshot(`
      "🧹 Cleaning up dangling Docker images...
      ✓ Pruned: 7 <none> images, reclaimed 40.5MB
      ✓ Removed 2 <none> images, reclaimed 1.5MB
      ✓ Skipped 2 in-use images (safe)
        - 6c6ce9a8e88c  used by stopped container 1dc41034e757 (old_test)
        - 071dd73121e8  used by running container e26d8dbbf391 (kind-control-plane)
      ✗ Failed to remove 2 images
        - dededededede  Command failed with exit code 1: docker image rm sha256:dede…
        - efefefefefef  driver failed removing layer
      ⚠ Cleanup incomplete: 2 images could not be removed"
    `);
  });

  it('engine gone mid-clean: images in doubt are "not known", never "failed", and the run is not "complete"', () => {
    const text = renderCleanSummary(
      { ...base, removed: [{ id: image('aaaaaaaaaaaa'), size: 1000, step: 'remove' }], unknown: [{ id: image('bbbbbbbbbbbb'), message: 'not known whether it was removed: connection refused' }] },
      { color: false },
    );
    expect(text).toContain('Not known whether 1 image was removed');
    expect(text).toContain('bbbbbbbbbbbb');
    expect(text).toContain('Cleanup incomplete: Docker stopped answering; whether 1 image was removed is not known');
    expect(text).not.toContain('Failed to remove');
    expect(text).not.toContain('Cleanup complete');
  });

  it('colours symbols when colour is on', () => {
    const result: CleanResult = { ...seedCase, failed: [{ id: image('dededededede'), message: 'boom' }] };
    // Escape characters shown as \e so the snapshot stays readable.
    expect(renderCleanSummary(result, { color: true }).replaceAll('\u001b', '\\e')).toMatchInlineSnapshot(`
      "🧹 \\e[1mCleaning up dangling Docker images...\\e[22m
      \\e[32m✓\\e[39m Pruned: 7 <none> images, reclaimed 40.5MB
      \\e[32m✓\\e[39m Removed 2 <none> images, reclaimed 1.5MB
      \\e[32m✓\\e[39m Skipped 2 in-use images (safe)
        \\e[2m-\\e[22m \\e[2m6c6ce9a8e88c\\e[22m  used by stopped container 1dc41034e757 (old_test)
        \\e[2m-\\e[22m \\e[2m071dd73121e8\\e[22m  used by running container e26d8dbbf391 (kind-control-plane)
      \\e[31m✗\\e[39m Failed to remove 1 image
        \\e[2m-\\e[22m \\e[2mdededededede\\e[22m  boom
      \\e[33m⚠\\e[39m Cleanup incomplete: 1 image could not be removed"
    `);
  });

  it('contains no escape codes when colour is off', () => {
    expect(renderCleanSummary(seedCase, { color: false })).not.toMatch(/\u001b/);
  });
});

describe('renderTeardownSummary', () => {
  it('renders removed resources and then the image part, with one ending', () => {
    const result: TeardownResult = {
      ...teardownBase,
      containers: {
        ...none,
        removed: [
          { kind: 'container', id: hex('abc123abc123'), name: 'web' },
          { kind: 'container', id: hex('def456def456'), name: 'db' },
        ],
      },
      networks: { ...none, removed: [{ kind: 'network', id: hex('0e0e0e0e0e0e'), name: 'dj-net' }] },
      volumes: { ...none, removed: [{ kind: 'volume', id: 'dj-data' }] },
      images: seedCase,
    };
    expect(renderTeardownSummary(result, { color: false })).toMatchInlineSnapshot(`
      "🧹 Cleaning up Docker resources of test session k3x9f2...
      ✓ Removed 2 containers: web, db
      ✓ Removed 1 network: dj-net
      ✓ Removed 1 volume: dj-data
      Cleaning up dangling images...
      ✓ Pruned: 7 <none> images, reclaimed 40.5MB
      ✓ Removed 2 <none> images, reclaimed 1.5MB
      ✓ Skipped 2 in-use images (safe)
        - 6c6ce9a8e88c  used by stopped container 1dc41034e757 (old_test)
        - 071dd73121e8  used by running container e26d8dbbf391 (kind-control-plane)
      ✓ Cleanup complete"
    `);
  });

  it('keepOnFailure: says what was kept and how to inspect and remove it', () => {
    const result: TeardownResult = {
      ...teardownBase,
      containers: {
        ...none,
        kept: [
          { kind: 'container', id: hex('abc123abc123'), name: 'web' },
          { kind: 'container', id: hex('def456def456') },
        ],
      },
      networks: { ...none, kept: [{ kind: 'network', id: hex('0e0e0e0e0e0e'), name: 'dj-net' }] },
      images: base,
    };
    expect(renderTeardownSummary(result, { color: false })).toMatchInlineSnapshot(`
      "🧹 Cleaning up Docker resources of test session k3x9f2...
      ⚠ Kept 2 stopped containers of the failed run for debugging: web, def456def456
      ⚠ Kept 1 network of the failed run for debugging: dj-net
        inspect: docker ps -a --filter label=docker-janitor.session=k3x9f2
        inspect: docker network ls --filter label=docker-janitor.session=k3x9f2
        remove:  npx docker-janitor sweep --session k3x9f2
      Cleaning up dangling images...
      ✓ No <none> images to remove
      ✓ Cleanup complete"
    `);
  });

  it('lists failures and warnings and ends with a warning', () => {
    const result: TeardownResult = {
      ...teardownBase,
      containers: {
        removed: Array.from({ length: 7 }, (_, index) => ({ kind: 'container' as const, id: hex(`${index}`.repeat(12)), name: `c${index}` })),
        kept: [],
        failed: [],
      },
      volumes: { ...none, failed: [{ kind: 'volume', id: 'dj-data', message: 'volume is in use - [abc123abc123]' }] },
      images: { ...base, failed: [{ id: image('dededededede'), message: 'boom' }] },
      warnings: ['Could not list networks: Command timed out after 60000 ms: docker network ls'],
      hasProblems: true,
    };
    expect(renderTeardownSummary(result, { color: false })).toMatchInlineSnapshot(`
      "🧹 Cleaning up Docker resources of test session k3x9f2...
      ✓ Removed 7 containers: c0, c1, c2, c3, c4, and 2 more
      ✗ Failed to remove 1 volume
        - dj-data  volume is in use - [abc123abc123]
      ⚠ Could not list networks: Command timed out after 60000 ms: docker network ls
      Cleaning up dangling images...
      ✗ Failed to remove 1 image
        - dededededede  boom
      ⚠ Cleanup finished with 2 failures and 1 warning"
    `);
  });

  it('with nothing to do and images off', () => {
    expect(renderTeardownSummary(teardownBase, { color: false })).toMatchInlineSnapshot(`
      "🧹 Cleaning up Docker resources of test session k3x9f2...
      ✓ No containers, networks or volumes to remove
      ✓ Cleanup complete"
    `);
  });

  it('Docker unreachable: one warning, no image part', () => {
    const result: TeardownResult = {
      ...teardownBase,
      warnings: ['The Docker engine is not reachable at unix:///var/run/docker.sock. Is it running?'],
      hasProblems: true,
    };
    expect(renderTeardownSummary(result, { color: false })).toMatchInlineSnapshot(`
      "🧹 Cleaning up Docker resources of test session k3x9f2...
      ⚠ The Docker engine is not reachable at unix:///var/run/docker.sock. Is it running?
      ⚠ Cleanup finished with 1 warning"
    `);
  });

  it('a dry run image part says "Would remove"', () => {
    const result: TeardownResult = {
      ...teardownBase,
      images: { ...base, dryRun: true, removed: [{ id: image('aaaaaaaaaaaa'), size: 2_000, step: 'prune' }], prune: { ran: false, reclaimed: 0 } },
    };
    expect(renderTeardownSummary(result, { color: false })).toMatchInlineSnapshot(`
      "🧹 Cleaning up Docker resources of test session k3x9f2...
      ✓ No containers, networks or volumes to remove
      Cleaning up dangling images (dry run)...
      ✓ Would remove 1 <none> image
        - aaaaaaaaaaaa  2kB
      ✓ Cleanup complete"
    `);
  });
});
