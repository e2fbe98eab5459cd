/**
 * Container, network and volume commands for a session's own objects. `--force` appears here
 * only for `container rm` of containers the session created (throwaway test containers);
 * image removal never forces (see images.ts).
 */

/** Listing commands for objects carrying `label`. */
export function listByLabelArgs(label: string): { containers: string[]; networks: string[]; volumes: string[] } {
  const filter = `label=${label}`;
  return {
    containers: ['container', 'ls', '--all', '--quiet', '--no-trunc', '--filter', filter],
    networks: ['network', 'ls', '--quiet', '--no-trunc', '--filter', filter],
    volumes: ['volume', 'ls', '--quiet', '--filter', filter],
  };
}

/**
 * Remove containers with their anonymous volumes. With no stop timeout, one `rm --force` (the
 * CLI removes them in parallel); otherwise `stop --time N` first, then `rm`.
 */
export function removeContainersArgs(ids: readonly string[], stopTimeoutSeconds: number): string[][] {
  if (ids.length === 0) return [];
  if (stopTimeoutSeconds <= 0) return [['container', 'rm', '--force', '--volumes', ...ids]];
  return [
    ['container', 'stop', '--time', String(stopTimeoutSeconds), ...ids],
    ['container', 'rm', '--force', '--volumes', ...ids],
  ];
}

export function stopContainersArgs(ids: readonly string[], stopTimeoutSeconds: number): string[] {
  return ['container', 'stop', '--time', String(Math.max(0, stopTimeoutSeconds)), ...ids];
}

export function removeNetworksArgs(ids: readonly string[]): string[] {
  return ['network', 'rm', ...ids];
}

export function removeVolumesArgs(names: readonly string[]): string[] {
  return ['volume', 'rm', ...names];
}

/** Inspect commands that tell which tracked IDs name a container, a network or a volume. */
export function inspectKindArgs(kind: 'container' | 'network' | 'volume', ids: readonly string[]): string[] {
  const format = kind === 'volume' ? '{{.Name}}' : '{{.Id}}';
  return [kind, 'inspect', '--format', format, ...ids];
}

/** Events of containers created in a time window (bounded: `--until` makes it return). */
export function containerCreateEventsArgs(sinceSeconds: number | string, untilSeconds?: number | string): string[] {
  const args = ['events', '--since', String(sinceSeconds)];
  if (untilSeconds !== undefined) args.push('--until', String(untilSeconds));
  args.push('--filter', 'type=container', '--filter', 'event=create', '--format', '{{json .}}');
  return args;
}

export interface CreateEvent {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Nanoseconds since the epoch (read from the text: it does not fit a double). */
  readonly timeNano?: bigint | undefined;
}

/** Lines of `docker events --format '{{json .}}'`: container id and its labels (attributes). */
export function parseCreateEvents(stdout: string): CreateEvent[] {
  const events: CreateEvent[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    try {
      const event = JSON.parse(line) as { id?: unknown; Actor?: { ID?: unknown; Attributes?: Record<string, unknown> } };
      const id = typeof event.id === 'string' ? event.id : typeof event.Actor?.ID === 'string' ? event.Actor.ID : undefined;
      if (!id) continue;
      const labels: Record<string, string> = {};
      for (const [key, value] of Object.entries(event.Actor?.Attributes ?? {})) if (typeof value === 'string') labels[key] = value;
      const nano = /"timeNano"\s*:\s*(\d+)/.exec(line)?.[1];
      events.push(nano ? { id, labels, timeNano: BigInt(nano) } : { id, labels });
    } catch {
      // not an event line
    }
  }
  return events;
}

export interface ObjectFailure {
  /** The daemon says it does not exist: nothing to do. */
  readonly gone: boolean;
  readonly message: string;
}

/**
 * Map the error lines of `container rm`, `network rm`, `volume rm` to their arguments (the
 * daemon echoes the argument, or a prefix of the ID, in each line).
 */
export function mapObjectErrors(args: readonly string[], stderr: string): Map<string, ObjectFailure> {
  const failures = new Map<string, ObjectFailure>();
  for (const raw of stderr.split('\n')) {
    const line = raw.trim().replace(/^Error response from daemon:\s*/, '').replace(/^Error:\s*/, '');
    if (!line) continue;
    const arg = args.find((candidate) => mentions(line, candidate)) ?? args.find((candidate) => mentions(line, candidate.slice(0, 12)));
    if (!arg || failures.has(arg)) continue;
    failures.set(arg, { gone: /no such (container|volume|network)|not found/i.test(line), message: line });
  }
  return failures;
}

/** `word` stands in `line` as a whole word (names like `e` must not match inside "volume"). */
function mentions(line: string, word: string): boolean {
  if (!word) return false;
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[\\s:\\[])${escaped}($|[\\s:\\]])`).test(line);
}

/**
 * Listings of every object carrying the `key` label, one `<label value>` per line: which
 * sessions still have objects on an engine, in three calls whatever the number of sessions.
 */
export function listLabelValuesArgs(key: string): string[][] {
  const filter = `label=${key}`;
  const format = `{{.Label "${key}"}}`;
  return [
    ['container', 'ls', '--all', '--filter', filter, '--format', format],
    ['network', 'ls', '--filter', filter, '--format', format],
    ['volume', 'ls', '--filter', filter, '--format', format],
  ];
}
