/**
 * The session's helper processes, started by path (no import: they import the session, not the
 * other way round).
 *
 * - The watchdog: a plain Node process in its own session (detached: a new process group, so
 *   killing the runner's group does not kill it), needing no container image. It cleans the
 *   session when the runner dies without teardown (or when teardown could not finish), and sweeps
 *   the sessions of dead runs in the background, so that setup never waits on them.
 * - The signal cleaner: run synchronously from a signal handler (Node has no synchronous HTTP),
 *   in a process group of its own, so that a second Ctrl+C to the runner's group cannot stop it
 *   halfway; if the runner is killed meanwhile it still finishes.
 *
 * Their inputs come from their parent, at spawn time: the session directory, the state root to
 * sweep, and the docker CLI to run. Never from a record on disk.
 *
 * A watchdog that watches a session gets a channel to its runner as its fd 4 (channel.ts): how
 * teardown asks it to close the session socket, and how each learns that the other is gone. The
 * runner never signals the watchdog's PID (which could have been reused).
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { openChannel, type WatchdogChannel } from './channel.js';

export const WATCHDOG_SCRIPT = fileURLToPath(new URL('../watchdog/main.js', import.meta.url));
export const CLEAN_NOW_SCRIPT = fileURLToPath(new URL('../watchdog/clean-now.js', import.meta.url));

export interface WatchdogTask {
  /** Watch this session's owner and clean the session when it dies. */
  readonly sessionDir?: string;
  /** Sweep the dead sessions recorded under this state root, in the background. */
  readonly sweepRoot?: string;
  /** The run's own session id: the background sweep leaves it alone. */
  readonly ownSession?: string;
  /** The docker CLI to run (the parent's configured one); default: docker on PATH. */
  readonly dockerPath?: string | undefined;
  /**
   * The session socket, bound and listening in the parent (socket/bind.ts): the watchdog gets
   * the descriptor as its fd 3 and serves it at `path`.
   */
  readonly socket?: { readonly fd: number; readonly path: string } | undefined;
}

/** The descriptor number the watchdog finds the session socket on. */
export const WATCHDOG_SOCKET_FD = 3;
/** The descriptor number the watchdog finds its channel to the runner on. */
export const WATCHDOG_CHANNEL_FD = 4;
/** The descriptor number the signal cleaner finds the runner's end of the channel on. */
export const CLEAN_NOW_CHANNEL_FD = 3;

/** Pure: the watchdog's argv for a task. */
export function watchdogArgs(task: WatchdogTask): string[] {
  const args = [WATCHDOG_SCRIPT];
  if (task.sessionDir) args.push('--session-dir', task.sessionDir);
  if (task.sweepRoot) args.push('--sweep-root', task.sweepRoot);
  if (task.ownSession) args.push('--own-session', task.ownSession);
  if (task.dockerPath) args.push('--docker-path', task.dockerPath);
  if (task.socket && task.sessionDir) args.push('--socket-fd', String(WATCHDOG_SOCKET_FD), '--socket-path', task.socket.path);
  if (task.sessionDir) args.push('--channel-fd', String(WATCHDOG_CHANNEL_FD));
  return args;
}

/** How a watchdog ended while its runner was there to see it. */
export interface WatchdogExit {
  /** When the runner noticed (ms since the epoch): its end of the channel closed, or the exit was reaped. */
  readonly at: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface WatchdogProcess {
  readonly pid: number;
  /** The channel to it; undefined for a watchdog that only sweeps. */
  readonly channel: WatchdogChannel | undefined;
  /** This process's end of the channel, for the signal cleaner (cleanNowSync) to use. */
  readonly channelFd: number | undefined;
  /** How it ended, once it did; undefined while it runs (or before its exit was noticed). */
  exited(): WatchdogExit | undefined;
  /** Calls `listener` once its exit is reaped (on this process's event loop). */
  onExit(listener: (exit: WatchdogExit) => void): void;
}

/** Starts the watchdog, detached. Undefined when it could not be started. */
export function spawnWatchdog(task: WatchdogTask, env: NodeJS.ProcessEnv = process.env): WatchdogProcess | undefined {
  const withChannel = task.sessionDir !== undefined;
  const child = spawn(process.execPath, watchdogArgs(task), {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', task.socket && task.sessionDir ? task.socket.fd : 'ignore', withChannel ? 'pipe' : 'ignore'],
    env,
  });
  child.on('error', () => {
    // The session still works without it; SIGKILL would then leave objects for the next sweep.
  });
  child.unref();
  if (child.pid === undefined) return undefined;
  const pid = child.pid;
  let exit: WatchdogExit | undefined;
  let channelGone: number | undefined;
  const end = child.stdio[WATCHDOG_CHANNEL_FD] as Socket | null | undefined;
  // Never keeps the runner alive: the channel is read (to see the watchdog go) but unreferenced.
  end?.unref();
  const channel = end ? openChannel(end, () => (channelGone = Date.now())) : undefined;
  const fd = (end as unknown as { _handle?: { fd?: number } } | undefined)?._handle?.fd;
  const listeners: Array<(exit: WatchdogExit) => void> = [];
  child.once('exit', (code, signal) => {
    const ended: WatchdogExit = { at: Math.min(Date.now(), channelGone ?? Infinity), code, signal };
    exit = ended;
    for (const listener of listeners) listener(ended);
  });
  return {
    pid,
    channel,
    channelFd: typeof fd === 'number' && fd >= 0 ? fd : undefined,
    exited: () => exit ?? (channelGone !== undefined ? { at: channelGone, code: null, signal: null } : undefined),
    onExit: (listener) => void listeners.push(listener),
  };
}

/** Pure: the signal cleaner's argv. */
export function cleanNowArgs(sessionDir: string, dockerPath: string | undefined, withChannel = false): string[] {
  return [
    CLEAN_NOW_SCRIPT,
    '--session-dir',
    sessionDir,
    ...(dockerPath ? ['--docker-path', dockerPath] : []),
    ...(withChannel ? ['--channel-fd', String(CLEAN_NOW_CHANNEL_FD)] : []),
  ];
}

/** Node's timers (and spawnSync's timeout) overflow above this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Exit codes of the signal cleaner. */
export const CLEAN_NOW_EXIT = { complete: 0, incomplete: 1, refused: 2 } as const;

/**
 * Remove the session's objects now and wait for it: for signal handlers, which must finish
 * before the process exits. True when everything went. Bounded by `timeoutMs` (the signal
 * cleaner's own calls time out sooner); on timeout its process group is killed. With
 * `channelFd` (this process's end of the watchdog's channel), the cleaner first asks the
 * watchdog to close the session socket, as teardown does (Node cannot wait on a socket
 * synchronously; the cleaner is a process of its own).
 */
export function cleanNowSync(
  sessionDir: string,
  options: { dockerPath?: string | undefined; env?: NodeJS.ProcessEnv; timeoutMs: number; channelFd?: number | undefined },
): boolean {
  const withChannel = options.channelFd !== undefined;
  // `detached` is not in the typings of spawnSync, but Node honours it (a new session, as spawn).
  const spawnOptions: SpawnSyncOptions & { detached: boolean } = {
    detached: true,
    stdio: withChannel ? ['ignore', 'ignore', 'ignore', options.channelFd as number] : 'ignore',
    env: options.env ?? process.env,
    timeout: Math.min(Math.max(1, Math.floor(options.timeoutMs)), MAX_TIMER_MS),
    killSignal: 'SIGKILL',
  };
  const child = spawnSync(process.execPath, cleanNowArgs(sessionDir, options.dockerPath, withChannel), spawnOptions);
  if (child.error && child.pid) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return child.status === CLEAN_NOW_EXIT.complete;
}
