/**
 * The session's helper processes, started by path (no import: they import the session, not the
 * other way round).
 *
 * - The watchdog: a plain Node process in its own session (detached: a new process group, so
 *   killing the runner's group does not kill it), needing no container image. It cleans the
 *   session when the runner dies without teardown (or when teardown could not finish), and sweeps
 *   the sessions of dead runs in the background, so that setup never waits on them.
 * - The signal cleaner: started from a signal handler, detached (a session of its own), so that
 *   a second Ctrl+C to the runner's group cannot stop it halfway and it finishes after the
 *   runner is gone. The handler waits for it through a small waiter (Node has no synchronous
 *   HTTP, nor a synchronous wait that a signal can end).
 *
 * Their inputs come from their parent, at spawn time: the session directory, the state root to
 * sweep, and the docker CLI to run. Never from a record on disk.
 *
 * A watchdog that watches a session gets a channel to its runner as its fd 4 (channel.ts): how
 * teardown asks it to close the session socket, and how each learns that the other is gone. The
 * runner never signals the watchdog's PID (which could have been reused).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { EXTRA_CA_ENV } from '../docker/endpoint.js';
import { openChannel, type WatchdogChannel } from './channel.js';

export const WATCHDOG_SCRIPT = fileURLToPath(new URL('../watchdog/main.cjs', import.meta.url));
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

/**
 * Pure: the environment of the session's helper processes (the watchdog, the signal cleaner and
 * its waiter): the runner's, with `NODE_EXTRA_CA_CERTS` moved to EXTRA_CA_ENV unless the session's
 * engine is reached over TLS. Node reads and parses that file as it starts, before any code runs:
 * with Debian's CA bundle, about 40 of a new process's 65 ms on a 2-CPU machine. Only a TLS
 * connection to an engine can use it, and the engine module reads it then (a background sweep of
 * an older session on a TLS engine).
 */
export function helperEnv(env: NodeJS.ProcessEnv, engineTls: boolean): NodeJS.ProcessEnv {
  if (engineTls || env.NODE_EXTRA_CA_CERTS === undefined) return env;
  const { NODE_EXTRA_CA_CERTS: extra, ...rest } = env;
  return { ...rest, [EXTRA_CA_ENV]: extra };
}

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

/** Exit codes of the signal cleaner (it also writes its code to its stdout as it ends, for the waiter). */
export const CLEAN_NOW_EXIT = { complete: 0, incomplete: 1, refused: 2 } as const;

export const CLEAN_WAIT_SCRIPT = fileURLToPath(new URL('../watchdog/clean-wait.js', import.meta.url));
/** Exit codes of the waiter besides the cleaner's own: another signal came, or the wait's bound ran out. */
export const CLEAN_WAIT_EXIT = { signal: 10, bound: 11 } as const;

/**
 * How long a signal waits for the signal cleaner before the process ends anyway, the cleanup
 * going on in the background. A healthy engine takes well under a second for a session's
 * objects; a frozen one costs the cleaner one docker timeout (60 s by default), and the user
 * asked to stop, not to wait for that.
 */
export const SIGNAL_WAIT_MS = 10_000;

/** What a signal's cleanup came to: done, left to the watchdog, or still running (detached) as `pid`. */
export type SignalCleanup = { readonly outcome: 'complete' | 'incomplete' } | { readonly outcome: 'background'; readonly pid: number };

/**
 * Remove the session's objects now, for signal handlers, which must not return before the
 * cleanup is over (the runner exits right after them). The signal cleaner runs detached (its own
 * session: no Ctrl+C reaches it, and it outlives the runner); this process waits for it
 * synchronously through a waiter in its own process group. Another Ctrl+C to the group, or
 * `waitMs`, ends the wait, not the cleanup: 'background', with the cleaner's pid. With
 * `channelFd` (this process's end of the watchdog's channel), the cleaner first asks the
 * watchdog to close the session socket, as teardown does.
 */
export function cleanNowSync(
  sessionDir: string,
  options: { dockerPath?: string | undefined; env?: NodeJS.ProcessEnv; waitMs: number; channelFd?: number | undefined },
): SignalCleanup {
  const env = options.env ?? process.env;
  const withChannel = options.channelFd !== undefined;
  // Started before anything else, so that no signal can come between the request and the cleanup.
  const cleaner = spawn(process.execPath, cleanNowArgs(sessionDir, options.dockerPath, withChannel), {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore', ...(withChannel ? [options.channelFd as number] : [])],
    env,
  });
  cleaner.on('error', () => {
    // Could not start: 'incomplete' below; the watchdog cleans once the runner is gone.
  });
  cleaner.unref();
  const said = cleaner.stdout as (Socket & { _handle?: { fd?: number } }) | null;
  said?.unref();
  const fd = said?._handle?.fd;
  if (cleaner.pid === undefined || typeof fd !== 'number' || fd < 0) return { outcome: 'incomplete' };
  const waitMs = Math.min(Math.max(1, Math.floor(options.waitMs)), MAX_TIMER_MS - 5_000);
  // In this process's group (not detached): a Ctrl+C to the group reaches it, and ends the wait.
  const waited = spawnSync(process.execPath, [CLEAN_WAIT_SCRIPT, '--wait-ms', String(waitMs)], {
    stdio: ['ignore', 'ignore', 'ignore', fd],
    // It only waits: no engine, no TLS.
    env: helperEnv(env, false),
    // Only if the waiter itself hangs: it has its own timer.
    timeout: waitMs + 5_000,
    killSignal: 'SIGKILL',
  });
  said?.destroy();
  return signalCleanupOf(waited.status, cleaner.pid);
}

/** Pure: the waiter's exit status (null: it was killed by a signal, before it could handle one) → the outcome. */
export function signalCleanupOf(status: number | null, pid: number): SignalCleanup {
  if (status === CLEAN_NOW_EXIT.complete) return { outcome: 'complete' };
  if (status === CLEAN_NOW_EXIT.incomplete || status === CLEAN_NOW_EXIT.refused) return { outcome: 'incomplete' };
  return { outcome: 'background', pid };
}
