/** `docker-janitor sessions`: the sessions recorded on this machine as a table. Pure. */
import type { SessionEntry } from '../session/inventory.js';
import { SESSION_LABEL } from '../session/names.js';
import { createColors } from './colors.js';
import { figures } from './figures.js';
import { noun } from './format.js';

export interface SessionsRenderOptions {
  readonly color: boolean;
  /** The state directory the sessions were read from. */
  readonly stateDir: string;
  /** Milliseconds since the epoch, for the ages. */
  readonly now: number;
}

export function renderSessions(sessions: readonly SessionEntry[], options: SessionsRenderOptions): string {
  const c = createColors(options);
  const lines = [`${figures.broom} ${c.bold(`Test sessions recorded on this machine (${options.stateDir})`)}`];
  if (sessions.length === 0) {
    lines.push(`${c.green(figures.tick)} No sessions recorded`);
    return lines.join('\n');
  }
  const rows: string[][] = [['ID', 'STATE', 'PID', 'STARTED', 'CONTAINERS', 'NETWORKS', 'VOLUMES', 'IMAGES']];
  for (const session of sessions) {
    const holds = session.holds;
    const count = (list: readonly string[] | undefined) => (list ? String(list.length) : '?');
    rows.push([
      session.id,
      session.state,
      String(session.pid),
      `${formatAge(options.now - session.startedAt)} ago`,
      count(holds?.containers),
      count(holds?.networks),
      count(holds?.volumes),
      holds ? String(holds.images) : '?',
    ]);
  }
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  for (const [index, row] of rows.entries()) {
    const text = row.map((value, column) => value.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
    lines.push(`  ${index === 0 ? c.dim(text) : text}`);
  }
  for (const session of sessions) {
    if (session.error) lines.push(`${c.yellow(figures.warning)} Session ${session.id}: could not ask its engine: ${session.error}`);
  }
  const leftovers = sessions.filter((s) => s.state !== 'running' && s.holds && s.holds.containers.length + s.holds.networks.length + s.holds.volumes.length > 0);
  if (leftovers.length > 0) {
    lines.push(`${c.yellow(figures.warning)} ${noun(leftovers.length, 'session still holds', 'sessions still hold')} objects on the engine:`);
    for (const session of leftovers) {
      lines.push(`  ${c.dim(`inspect: docker ps -a --filter label=${SESSION_LABEL}=${session.id}`)}`);
      lines.push(`  ${c.dim(`remove:  npx docker-janitor sweep --session ${session.id}`)}`);
    }
  }
  return lines.join('\n');
}

/** `42s`, `5m`, `3h12m`, `2d4h`. Pure. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h${minutes % 60 ? `${minutes % 60}m` : ''}`;
  const days = Math.floor(hours / 24);
  return `${days}d${hours % 24 ? `${hours % 24}h` : ''}`;
}
