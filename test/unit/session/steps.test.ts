import { describe, expect, it } from 'vitest';
import type { DockerResult } from '../../../src/docker/client.js';
import { sessionObjectSteps, type Batch, type SessionTargets } from '../../../src/session/steps.js';

/** Drive the steps with answers given per command (matched by its first words). */
function run(targets: SessionTargets, answer: (args: readonly string[]) => Partial<DockerResult>) {
  const seen: Batch[] = [];
  const steps = sessionObjectSteps(targets);
  let next = steps.next([]);
  while (!next.done) {
    seen.push(next.value);
    next = steps.next(next.value.map((args) => ({ args, stdout: '', stderr: '', exitCode: 0, ...answer(args) })));
  }
  return { report: next.value, batches: seen };
}

const C1 = 'c'.repeat(64);
const C2 = 'd'.repeat(64);
const base: SessionTargets = { sessionId: 's1', tracked: [], stopTimeout: 0, keep: false };

describe('sessionObjectSteps', () => {
  it('lists by label in one parallel batch, then removes containers, then networks and volumes together', () => {
    const { report, batches } = run(base, (args) => {
      if (args[0] === 'container' && args[1] === 'ls') return { stdout: `${C1}\n` };
      if (args[0] === 'network' && args[1] === 'ls') return { stdout: 'n1\n' };
      if (args[0] === 'volume' && args[1] === 'ls') return { stdout: 'v1\n' };
      return {};
    });
    expect(batches[0]).toEqual([
      ['container', 'ls', '--all', '--quiet', '--no-trunc', '--filter', 'label=docker-janitor.session=s1'],
      ['network', 'ls', '--quiet', '--no-trunc', '--filter', 'label=docker-janitor.session=s1'],
      ['volume', 'ls', '--quiet', '--filter', 'label=docker-janitor.session=s1'],
    ]);
    expect(batches[1]).toEqual([['container', 'rm', '--force', '--volumes', C1]]);
    expect(batches[2]).toEqual([
      ['network', 'rm', 'n1'],
      ['volume', 'rm', 'v1'],
    ]);
    expect(report.containers.removed).toEqual([{ kind: 'container', id: C1 }]);
    expect(report.networks.removed).toEqual([{ kind: 'network', id: 'n1' }]);
    expect(report.volumes.removed).toEqual([{ kind: 'volume', id: 'v1' }]);
  });

  it('issues no removal when the session has nothing', () => {
    const { report, batches } = run(base, () => ({}));
    expect(batches).toHaveLength(1);
    expect(report.containers.removed).toEqual([]);
  });

  it('adds tracked IDs and resolves the kind of those tracked without one', () => {
    const { report, batches } = run({ ...base, tracked: [{ id: C2, kind: 'container' }, { id: 'mystery' }, { id: 'vol9' }] }, (args) => {
      if (args[1] === 'inspect' && args[0] === 'container') return { stdout: '', exitCode: 1, stderr: 'Error: No such container: mystery' };
      if (args[1] === 'inspect' && args[0] === 'network') return { stdout: 'f'.repeat(64), exitCode: 1 };
      if (args[1] === 'inspect' && args[0] === 'volume') return { stdout: 'vol9\n' };
      return {};
    });
    expect(batches.map((batch) => batch.map((args) => `${args[0]} ${args[1]}`))).toEqual([
      ['container ls', 'network ls', 'volume ls'],
      ['container inspect'],
      ['network inspect'],
      ['volume inspect'],
      ['container rm'],
      ['volume rm'],
    ]);
    expect(report.containers.removed.map((ref) => ref.id)).toEqual([C2]);
    expect(report.volumes.removed.map((ref) => ref.id)).toEqual(['vol9']);
    // "mystery" names nothing the engine knows (the network inspect answered another ID): untouched.
    expect(report.networks.removed).toEqual([]);
  });

  it('with adoption, replays create events in the first batch and removes the matching containers', () => {
    const event = (id: string, labels: Record<string, string>) => JSON.stringify({ id, Actor: { ID: id, Attributes: labels } });
    const { report, batches } = run(
      { ...base, adopt: { filters: { labels: ['org.testcontainers=true'], all: false }, sinceMs: 1_700_000_000_500 } },
      (args) => (args[0] === 'events' ? { stdout: `${event(C1, { 'org.testcontainers': 'true' })}\n${event(C2, { other: 'x' })}\n` } : {}),
    );
    expect(batches[0]).toHaveLength(4);
    expect(batches[0]?.[3]?.slice(0, 3)).toEqual(['events', '--since', '1700000000']);
    expect(batches[1]).toEqual([['container', 'rm', '--force', '--volumes', C1]]);
    expect(report.containers.removed).toEqual([{ kind: 'container', id: C1 }]);
  });

  it('without adoption filters, no events are asked for', () => {
    const { batches } = run({ ...base, adopt: { filters: { labels: [], all: false }, sinceMs: 0 } }, () => ({}));
    expect(batches[0]).toHaveLength(3);
  });

  it('with keep, only stops the containers and keeps networks and volumes', () => {
    const { report, batches } = run({ ...base, keep: true, stopTimeout: 3 }, (args) => {
      if (args[0] === 'container' && args[1] === 'ls') return { stdout: C1 };
      if (args[0] === 'network' && args[1] === 'ls') return { stdout: 'n1' };
      return {};
    });
    expect(batches[1]).toEqual([['container', 'stop', '--time', '3', C1]]);
    expect(batches).toHaveLength(2);
    expect(report.containers.kept).toEqual([{ kind: 'container', id: C1 }]);
    expect(report.networks.kept).toEqual([{ kind: 'network', id: 'n1' }]);
  });

  it('in a dry run lists but removes nothing', () => {
    const { report, batches } = run({ ...base, dryRun: true }, (args) => (args[1] === 'ls' && args[0] === 'container' ? { stdout: C1 } : {}));
    expect(batches).toHaveLength(1);
    expect(report.containers.removed).toEqual([{ kind: 'container', id: C1 }]);
  });

  it('reports a failed listing as a warning and a failed removal per object', () => {
    const { report } = run(base, (args) => {
      if (args[0] === 'container' && args[1] === 'ls') return { stdout: `${C1}\n${C2}\n` };
      if (args[0] === 'network' && args[1] === 'ls') return { exitCode: 1, stderr: 'Error response from daemon: boom' };
      if (args[0] === 'container' && args[1] === 'rm')
        return { exitCode: 1, stderr: `Error response from daemon: could not kill: container ${C2.slice(0, 12)} is dead` };
      return {};
    });
    expect(report.warnings).toEqual([expect.stringContaining('boom')]);
    expect(report.containers.removed.map((ref) => ref.id)).toEqual([C1]);
    expect(report.containers.failed).toEqual([{ kind: 'container', id: C2, message: expect.stringContaining('is dead') }]);
  });
});
