/**
 * The default teardown image scope (`before-and-own`) on the real engine: run A's teardown never
 * removes the fresh untagged image another run B built during A's run (issue 9, item 4), while
 * A's own labelled image and the dangling images from before A started go. `images: 'all'`
 * still takes B's image: the explicit opt-in it is documented to be.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openSession } from '../../../src/session/open.js';
import { buildImage, danglingIds, dockerEnv, dockerSync, imageExists, makeDangling, resetEngine } from '../../support/docker.js';

beforeEach(() => resetEngine());
afterAll(() => resetEngine());

const quiet = { watchdog: false, signals: false, sweepDeadSessions: false, summary: false } as const;

describe('teardown image scope', () => {
  it("before-and-own (default): another run's image made during the session stays; old dangling, retagged and own images go", async () => {
    const old = buildImage();
    const retagged = buildImage({ tag: 'dj-app:1' });
    const session = await openSession(quiet, { env: dockerEnv() });
    makeDangling('dj-app:1'); // a rebuild of the tag during the run
    const own = buildImage({ labels: { 'docker-janitor.session': session.id } });
    // Labelled outside the session socket: the legacy builder's RUN step is an untagged parent
    // made during the run that nothing tells apart from another process's image, so `own` goes
    // with noprune and that parent stays, dangling (CHANGELOG; the socket records a build's
    // intermediate images, so builds through it leave none).
    const ownParent = dockerSync(['image', 'inspect', '--format', '{{.Parent}}', own]);
    expect(ownParent).toMatch(/^sha256:[0-9a-f]{64}$/);
    const otherRun = buildImage(); // run B, concurrently, about to `docker run` it
    const otherSession = buildImage({ labels: { 'docker-janitor.session': 'someone-else' } });

    const result = await session.teardown();

    expect(result.images?.failed).toEqual([]);
    expect(imageExists(otherRun)).toBe(true);
    expect(imageExists(otherSession)).toBe(true);
    for (const id of [old, retagged, own]) expect(imageExists(id)).toBe(false);
    // B can still use its image.
    dockerSync(['run', '--rm', otherRun, 'true']); // throws if it cannot
    expect(dockerSync(['image', 'inspect', '--format', '{{.Id}}', otherRun])).toBe(otherRun);
    expect(danglingIds().sort()).toEqual([otherRun, otherSession, ownParent].sort());
  });

  it("images: 'all' takes every unused dangling image, the other run's too (documented opt-in)", async () => {
    const session = await openSession({ ...quiet, images: 'all' }, { env: dockerEnv() });
    const otherRun = buildImage();

    await session.teardown();

    expect(imageExists(otherRun)).toBe(false);
  });
});
