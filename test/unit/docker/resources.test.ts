import { describe, expect, it } from 'vitest';
import { mapObjectErrors, parseCreateEvents, removeContainersArgs } from '../../../src/docker/resources.js';

// Recorded on Docker Engine 20.10.24 with CLI 28.2.2 (see test/unit/fixtures/recorded/README.md).
const NETWORK_RM = `Error response from daemon: network nosuchnet not found
Error response from daemon: error while removing network: network djn2 id bf0d11d22e9694d74fc5475ec4a669eece82698740fa717ade443b3c7412088f has active endpoints
exit status 1`;
const VOLUME_RM = `Error response from daemon: remove djv1: volume is in use - [1ef9bd422140013181a1e82f143473bfeacd7a1246fc00d4e203f7d8e21aecff]
Error response from daemon: get nosuchvol: no such volume`;
const CONTAINER_RM = `Error response from daemon: No such container: nosuchcontainer`;
const EVENT =
  '{"status":"create","id":"529cc6b053ee4cb1fbbe25ce5a67981e748301a0224e4da2f29f76a8e6744537","from":"dj-base","Type":"container","Action":"create","Actor":{"ID":"529cc6b053ee4cb1fbbe25ce5a67981e748301a0224e4da2f29f76a8e6744537","Attributes":{"a":"b","image":"dj-base","name":"busy_archimedes"}},"scope":"local","time":1795656176,"timeNano":1795656176574802817}';

describe('mapObjectErrors', () => {
  it('maps network answers: not found is gone, active endpoints is a failure', () => {
    const failures = mapObjectErrors(['djn1', 'nosuchnet', 'djn2'], NETWORK_RM);
    expect(failures.get('nosuchnet')).toMatchObject({ gone: true });
    expect(failures.get('djn2')).toMatchObject({ gone: false, message: expect.stringContaining('has active endpoints') });
    expect(failures.has('djn1')).toBe(false);
  });

  it('maps volume answers', () => {
    const failures = mapObjectErrors(['djv1', 'nosuchvol'], VOLUME_RM);
    expect(failures.get('djv1')).toMatchObject({ gone: false, message: expect.stringContaining('volume is in use') });
    expect(failures.get('nosuchvol')).toMatchObject({ gone: true });
  });

  it('maps container answers', () => {
    expect(mapObjectErrors(['abc', 'nosuchcontainer'], CONTAINER_RM).get('nosuchcontainer')).toMatchObject({ gone: true });
  });

  it('matches whole words only: a volume named "e" is not in "volume is in use"', () => {
    const failures = mapObjectErrors(['e', 'djv1'], VOLUME_RM);
    expect(failures.has('e')).toBe(false);
    expect(failures.has('djv1')).toBe(true);
  });

  it('maps a full network ID through the ID the daemon prints', () => {
    const id = 'bf0d11d22e9694d74fc5475ec4a669eece82698740fa717ade443b3c7412088f';
    expect(mapObjectErrors([id], NETWORK_RM).get(id)).toMatchObject({ gone: false });
  });
});

describe('parseCreateEvents', () => {
  it('reads the container id and its labels from a create event', () => {
    expect(parseCreateEvents(`${EVENT}\nnot json\n`)).toEqual([
      {
        id: '529cc6b053ee4cb1fbbe25ce5a67981e748301a0224e4da2f29f76a8e6744537',
        labels: { a: 'b', image: 'dj-base', name: 'busy_archimedes' },
        // Exact: the digits are read from the text, not through a double.
        timeNano: 1795656176574802817n,
      },
    ]);
  });
});

describe('removeContainersArgs', () => {
  it('removes with one forced rm when the stop timeout is 0 (session containers only)', () => {
    expect(removeContainersArgs(['a', 'b'], 0)).toEqual([['container', 'rm', '--force', '--volumes', 'a', 'b']]);
  });
  it('stops with the timeout first otherwise', () => {
    expect(removeContainersArgs(['a'], 5)).toEqual([
      ['container', 'stop', '--time', '5', 'a'],
      ['container', 'rm', '--force', '--volumes', 'a'],
    ]);
  });
  it('does nothing without containers', () => {
    expect(removeContainersArgs([], 0)).toEqual([]);
  });
});
