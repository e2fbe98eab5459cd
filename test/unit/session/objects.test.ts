/** Finding and removing a session's objects, over the in-memory engine: no daemon, no root. */
import { describe, expect, it } from 'vitest';
import { inheritedLabelNote, removeSessionObjects, type SessionTargets } from '../../../src/session/objects.js';
import { FakeEngine } from '../../support/fake-engine.js';

const SESSION = 'mwwv8wx1-4451b600';
const LABEL = { 'docker-janitor.session': SESSION };
const base: SessionTargets = { sessionId: SESSION, tracked: [], stopTimeout: 0, keep: false };

function engineWithSession() {
  const engine = new FakeEngine();
  const image = engine.addImage({ tags: ['base:1'] });
  const ours = engine.addContainer(image, 'running', LABEL);
  const foreign = engine.addContainer(image, 'running', { 'docker-janitor.session': 'mwwv0000-00000000' });
  const plain = engine.addContainer(image, 'exited');
  const network = engine.addNetwork(LABEL);
  const volume = engine.addVolume('data', LABEL, [ours]);
  return { engine, image, ours, foreign, plain, network, volume };
}

describe('removeSessionObjects', () => {
  it('removes the labelled containers first, then their networks and volumes; nothing else', async () => {
    const { engine, ours, foreign, plain, network } = engineWithSession();
    const report = await removeSessionObjects(engine, base);
    expect(report.containers.removed.map((ref) => ref.id)).toEqual([ours]);
    expect(report.networks.removed.map((ref) => ref.id)).toEqual([network]);
    // The volume was in use by our container: removable once the container is gone.
    expect(report.volumes.removed.map((ref) => ref.id)).toEqual(['data']);
    expect([...engine.containers.keys()].sort()).toEqual([foreign, plain].sort());
    const order = engine.calls.map((call) => call.method).filter((method) => method.startsWith('remove'));
    expect(order.indexOf('removeContainers')).toBeLessThan(order.indexOf('removeVolumes'));
    expect(report.warnings).toEqual([]);
  });

  it("leaves a labelled container whose image carries the session's label too (another terminal's commit of a session container, run by them: attack/108), unless tracked", async () => {
    const { engine, ours } = engineWithSession();
    // dockerd copies a container's labels into its commit, and an image's labels into its containers.
    const commit = engine.addImage({ labels: LABEL });
    const theirs = engine.addContainer(commit, 'running', LABEL);
    const report = await removeSessionObjects(engine, base);
    expect(report.containers.removed.map((ref) => ref.id)).toEqual([ours]);
    expect(engine.containers.has(theirs)).toBe(true);
    expect(report.notes).toEqual([inheritedLabelNote(theirs, SESSION)]);
    // A note, not a warning: the session is not kept (and retried) for it.
    expect(report.warnings).toEqual([]);
    // Without the socket (tests that label by hand, builds too perhaps), the label takes it, as before.
    expect((await removeSessionObjects(engine, { ...base, takeImageLabelled: true, dryRun: true })).containers.removed.map((ref) => ref.id)).toEqual([theirs]);
    // Tracked by the tests: theirs after all, removed.
    const tracked = await removeSessionObjects(engine, { ...base, tracked: [{ id: theirs, kind: 'container' }] });
    expect(tracked.containers.removed.map((ref) => ref.id)).toEqual([theirs]);
    // Another session's label on the image (or an empty one, as the socket sets on what it makes) changes nothing.
    const built = engine.addImage({ labels: { 'docker-janitor.session': '' } });
    const fromBuilt = engine.addContainer(built, 'running', LABEL);
    expect((await removeSessionObjects(engine, base)).containers.removed.map((ref) => ref.id)).toEqual([fromBuilt]);
  });

  it('lists the images only when there are labelled containers', async () => {
    const engine = new FakeEngine();
    await removeSessionObjects(engine, base);
    expect(engine.calls.map((call) => call.method)).not.toContain('listImages');
  });

  it('takes tracked IDs, and finds the kind of those tracked without one', async () => {
    const { engine, plain } = engineWithSession();
    const network = engine.addNetwork();
    engine.addVolume('cache');
    const report = await removeSessionObjects(engine, {
      ...base,
      tracked: [{ id: plain }, { id: network }, { id: 'cache', kind: 'volume' }, { id: 'nothing-by-this-name' }],
    });
    expect(report.containers.removed.map((ref) => ref.id)).toContain(plain);
    expect(report.networks.removed.map((ref) => ref.id)).toContain(network);
    expect(report.volumes.removed.map((ref) => ref.id)).toContain('cache');
    expect(engine.containers.has(plain)).toBe(false);
  });

  it('a tracked name without a kind is a volume name: someone\'s container of that name is never taken', async () => {
    const { engine, plain } = engineWithSession();
    const name = engine.containers.get(plain)?.name ?? '';
    // The test's own volume, and someone's container, share the name.
    engine.addVolume(name);
    const report = await removeSessionObjects(engine, { ...base, tracked: [{ id: name }] });
    expect(engine.containers.has(plain)).toBe(true);
    expect(engine.volumes.has(name)).toBe(false);
    expect(report.volumes.removed.map((ref) => ref.id)).toContain(name);
    expect(report.warnings).toEqual([]);
    // The volume gone, a later sweep of the same name: the container is still not taken.
    const later = await removeSessionObjects(engine, { ...base, tracked: [{ id: name }] });
    expect(engine.containers.has(plain)).toBe(true);
    expect(later.containers.removed).toEqual([]);
    // By its ID without a kind: taken.
    await removeSessionObjects(engine, { ...base, tracked: [{ id: plain }] });
    expect(engine.containers.has(plain)).toBe(false);
  });

  it('an ID without a kind found as more than one kind: left alone, one warning', async () => {
    const { engine, plain } = engineWithSession();
    engine.addVolume(plain);
    const report = await removeSessionObjects(engine, { ...base, tracked: [{ id: plain }] });
    expect(engine.containers.has(plain)).toBe(true);
    expect(engine.volumes.has(plain)).toBe(true);
    expect(report.warnings).toEqual([
      `The tracked name "${plain}" names a container and a volume on the engine: none of them was removed; track it with its kind (track("${plain}", 'volume')).`,
    ]);
  });

  it('keep: stops the containers and keeps everything', async () => {
    const { engine, ours, network } = engineWithSession();
    const report = await removeSessionObjects(engine, { ...base, keep: true, stopTimeout: 3 });
    expect(report.containers.kept.map((ref) => ref.id)).toEqual([ours]);
    expect(report.networks.kept.map((ref) => ref.id)).toEqual([network]);
    expect(engine.containers.get(ours)?.state).toBe('exited');
    expect(engine.calls.find((call) => call.method === 'stopContainers')?.args[1]).toEqual({ stopTimeoutSeconds: 3 });
    expect(engine.calls.some((call) => call.method.startsWith('remove'))).toBe(false);
  });

  it('dryRun: lists what would go, removes nothing', async () => {
    const { engine, ours } = engineWithSession();
    const report = await removeSessionObjects(engine, { ...base, dryRun: true });
    expect(report.containers.removed.map((ref) => ref.id)).toEqual([ours]);
    expect(engine.containers.has(ours)).toBe(true);
    expect(engine.calls.some((call) => call.method.startsWith('remove') || call.method.startsWith('stop'))).toBe(false);
  });

  it('adoption: containers created in the window that match a filter join; earlier ones do not', async () => {
    const { engine, image } = engineWithSession();
    const before = engine.addContainer(image, 'running', { app: 'db' });
    const sinceMs = Date.now() + 1;
    const adopted = engine.addContainer(image, 'running', { app: 'db' });
    const other = engine.addContainer(image, 'running', { app: 'web' });
    const container = engine.containers.get(adopted);
    if (container) container.createdAt = sinceMs + 5;
    const web = engine.containers.get(other);
    if (web) web.createdAt = sinceMs + 5;
    const report = await removeSessionObjects(engine, { ...base, adopt: { filters: { labels: ['app=db'], all: false }, sinceMs } }, sinceMs + 10);
    const removed = report.containers.removed.map((ref) => ref.id);
    expect(removed).toContain(adopted);
    expect(removed).not.toContain(before);
    expect(removed).not.toContain(other);
  });

  it('a volume still in use is a failed entry with the daemon’s words; gone objects are not reported', async () => {
    const engine = new FakeEngine();
    const image = engine.addImage({ tags: ['base:1'] });
    const user = engine.addContainer(image, 'running'); // not the session's
    engine.addVolume('shared', LABEL, [user]);
    const report = await removeSessionObjects(engine, { ...base, tracked: [{ id: 'f'.repeat(64), kind: 'container' }] });
    expect(report.volumes.failed).toEqual([{ kind: 'volume', id: 'shared', message: expect.stringMatching(/volume is in use/) }]);
    expect(report.containers.failed).toEqual([]);
    expect(report.containers.removed).toEqual([]);
  });

  it('an engine that goes away throws its typed error (the caller reports it)', async () => {
    const { engine } = engineWithSession();
    engine.down = new Error('engine gone');
    await expect(removeSessionObjects(engine, base)).rejects.toThrow('engine gone');
  });
});
