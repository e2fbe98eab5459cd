/**
 * `openSession()`: what the Vitest and Jest adapters (and anyone scripting a test run) call at
 * global setup. It records the session (in the private state root), starts the watchdog (which
 * also sweeps dead sessions, in the background), and returns
 * the handle whose `teardown()` cleans everything at the end.
 */
import { hostname } from 'node:os';
import type { EngineOptions } from '../docker/create.js';
import { endpointFromOptions } from '../docker/endpoint-here.js';
import type { Engine } from '../docker/engine.js';
import { describeEndpoint, trimGoSpace } from '../docker/endpoint.js';
import { DockerEndpointError, isDockerError } from '../docker/errors.js';
import { parseJanitorOptions } from '../options/simple.js';
import type { JanitorOptions, JanitorOptionsInput } from '../options/schema.js';
import { bindSessionSocket, sessionSocketPath, type BoundSocket } from '../socket/bind.js';
import { claimPath } from '../socket/claim.js';
import { applyEnvironment, socketEnvironment } from '../socket/environment.js';
import { upstreamFor } from '../socket/upstream.js';
import { closeSessionSocket, closingOutcome, unlinkAndClaim, unlinkQuietly, watchdogEndedWarnings } from './closing.js';
import { cleanNowSync, helperEnv, SIGNAL_WAIT_MS, spawnWatchdog, type SignalCleanup, type WatchdogProcess } from './processes.js';
import { checkSessionRecord, MAX_ADOPT_LABEL_LENGTH, MAX_ADOPT_LABELS } from './record.js';
import { superviseWatchdog } from './supervise.js';
import type { TeardownResult } from './result.js';
import { installSignalHandlers } from './signals.js';
import {
  markClosed,
  markIncomplete,
  markKept,
  newSessionId,
  pidNamespace,
  prepareStateRoot,
  processStart,
  removeSessionDir,
  sessionDir,
  stateRoot,
  writeImagesBefore,
  writeSessionRecord,
  type SessionRecord,
} from './store.js';
import { endpointFor } from './endpoint.js';
import { engineFor } from './sweep.js';
import { teardownSession } from './teardown.js';
import { SESSION_DIR_ENV, SESSION_ENV, SESSION_LABEL } from './names.js';

export interface Session {
  readonly id: string;
  /** The session's state directory (tracked IDs, markers). */
  readonly dir: string;
  /** `{ 'docker-janitor.session': id }`. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Variables for the test processes: DOCKER_JANITOR_SESSION and DOCKER_JANITOR_SESSION_DIR;
   * with the session socket, DOCKER_HOST on it, and TESTCONTAINERS_RYUK_DISABLED=true unless the
   * environment sets it.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Variables removed for the test processes (with the socket: DOCKER_CONTEXT, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH). */
  readonly unsetEnv: readonly string[];
  /** The session socket's path, when the tests get one (`<dir>/socket/docker.sock`). */
  readonly socket: string | undefined;
  readonly options: JanitorOptions;
  /**
   * The session's engine, resolved once at setup. Teardown and cleanObjects() each talk to it
   * through a scope of their own (`engine.scope()`: the same connection and API version, a fresh
   * circuit breaker each).
   */
  readonly engine: Engine;
  /** Warnings from setup (a state record ignored…): the run goes on. */
  readonly warnings: readonly string[];
  /**
   * Docker did not answer at setup (the error's first line); undefined when it did. The run goes
   * on; teardown says it once if Docker is still away (a fact, not a warning to match by text).
   */
  readonly dockerUnavailable: string | undefined;
  /**
   * Remove the session's objects, then clean images. Idempotent: later calls return the first
   * result. `failed` is whether the test run failed (for keepOnFailure).
   */
  teardown(context?: { failed?: boolean }): Promise<TeardownResult>;
  /** Remove the session's containers, networks and volumes now, keep the session open (watch reruns). */
  cleanObjects(): Promise<TeardownResult>;
  /**
   * Synchronous removal of the session's objects, for signal handlers. Closes the session when
   * everything went; otherwise the record and the watchdog stay, and the watchdog finishes.
   * `background`: the wait ended first (another signal to the process group, or
   * SIGNAL_WAIT_MS), and the cleanup goes on as process `pid`.
   */
  cleanupSync(): SignalCleanup;
  /** Clean synchronously on SIGINT/SIGTERM/SIGHUP, then end with the signal. Returns an uninstaller. */
  handleSignals(): () => void;
  /** Put {@link env} into `target` (default `process.env`, which test workers inherit). Returns the restorer. */
  exportEnv(target?: NodeJS.ProcessEnv): () => void;
}

export interface OpenSessionContext {
  /** Environment for docker and the state directory; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  readonly onCommand?: EngineOptions['onCommand'];
  readonly onRequest?: EngineOptions['onRequest'];
}

export async function openSession(input: JanitorOptionsInput = {}, context: OpenSessionContext = {}): Promise<Session> {
  // No options given: the defaults, without loading zod (the setup path's startup cost).
  const options = await parseJanitorOptions(input);
  const env = context.env ?? process.env;
  const warnings: string[] = [];
  const root = stateRoot(env);
  const state = prepareStateRoot(root);
  if (!state.ok) throw new Error(`refusing to use the state directory ${root}: ${state.reason}`);
  // The docker CLI is this process's own (options, environment), never one read from a record.
  const dockerPath = options.docker.path ?? env.DOCKER_JANITOR_DOCKER_PATH;

  const id = newSessionId();
  const dir = sessionDir(root, id);
  // Trimmed as the docker CLI and resolveEndpoint trim it: a trailing newline is no control
  // character to refuse, and a blank one is no host (DOCKER_CONTEXT then says where the engine is).
  const envHost = trimGoSpace(env.DOCKER_HOST ?? '') || undefined;
  const record: SessionRecord = {
    id,
    pid: process.pid,
    pidStart: processStart(process.pid),
    pidNamespace: pidNamespace(),
    hostname: hostname(),
    startedAt: Date.now(),
    docker: {
      host: options.docker.host ?? (options.docker.context ? undefined : envHost),
      context: options.docker.context ?? (envHost ? undefined : env.DOCKER_CONTEXT || undefined),
      transport: options.docker.transport,
      timeoutMs: options.docker.timeoutMs,
    },
    stopTimeout: options.stopTimeout,
    adopt: options.adopt,
  };
  // An endpoint no client can reach (a port outside 1-65535): one line, and nothing recorded.
  const endpoint = endpointFromOptions({ host: options.docker.host, context: options.docker.context, env });
  if (endpoint.kind === 'invalid') throw new DockerEndpointError(describeEndpoint(endpoint), endpoint.reason);
  // The record must read back as the watchdog and the sweeps read it: one they refuse leaves the
  // session unwatched, and the tests with a socket nobody serves (every docker call refused).
  const readable = checkSessionRecord(JSON.parse(JSON.stringify(record)) as unknown, id);
  if (!readable.ok) throw new Error(`cannot record the session: ${readable.reason} (${recordRefusalHint(readable.reason)})`);

  // The session's own calls (teardown, the signal cleaner, the watchdog) use the environment as
  // it is now: exportEnv() later points DOCKER_HOST at the session socket, and the session must
  // reach the engine itself, never its own socket.
  const ownEnv: NodeJS.ProcessEnv = { ...env };
  // The watchdog's and the signal cleaner's: without a CA file only a TLS engine could use.
  const helpersEnv = helperEnv(ownEnv, endpoint.kind === 'tcp' && endpoint.tls !== undefined);
  const engine = engineFor(record, {
    env: ownEnv,
    dockerPath,
    ...(context.onCommand ? { onCommand: context.onCommand } : {}),
    ...(context.onRequest ? { onRequest: context.onRequest } : {}),
  });
  // The images there before the run: asked first, read last. The engine answers (the ping that
  // negotiates the API version, then the listing) while setup writes the record, binds the
  // session socket and spawns the watchdog (a fork of this process: milliseconds of this thread).
  const imagesBefore =
    options.images === 'before-and-own'
      ? engine.listImages({ all: true }).then(
          (images): ImagesBefore => ({ ok: true, ids: images.map((image) => image.id) }),
          (error: unknown): ImagesBefore => ({ ok: false, error }),
        )
      : undefined;
  // One turn of the event loop: the connection is made and the ping written before the file work.
  if (imagesBefore) await new Promise((resolve) => setImmediate(resolve));
  let recorded = false;
  try {
    writeSessionRecord(dir, record);
    recorded = true;
    return await startSession({ options, env, ownEnv, helpersEnv, engine, imagesBefore, warnings, root, dockerPath, id, dir, record });
  } catch (error) {
    engine.close();
    // A session that could not start leaves no record for the watchdogs and sweeps to act on
    // (a watchdog already started sees its directory gone and ends).
    if (recorded) removeSessionDir(dir);
    throw error;
  }
}

type ImagesBefore = { readonly ok: true; readonly ids: readonly string[] } | { readonly ok: false; readonly error: unknown };

interface Recorded {
  readonly options: JanitorOptions;
  readonly env: NodeJS.ProcessEnv;
  readonly ownEnv: NodeJS.ProcessEnv;
  /** For the watchdog and the signal cleaner (processes.ts helperEnv). */
  readonly helpersEnv: NodeJS.ProcessEnv;
  readonly engine: Engine;
  /** The setup's listing, under way (undefined when the image scope needs none). */
  readonly imagesBefore: Promise<ImagesBefore> | undefined;
  readonly warnings: string[];
  readonly root: string;
  readonly dockerPath: string | undefined;
  readonly id: string;
  readonly dir: string;
  readonly record: SessionRecord;
}

/** The rest of {@link openSession}, once the session is recorded. */
async function startSession({ options, env, ownEnv, helpersEnv, engine, imagesBefore, warnings, root, dockerPath, id, dir, record }: Recorded): Promise<Session> {
  let dockerUnavailable: string | undefined;
  /**
   * Each teardown and each cleanObjects() talks to the engine through a scope of its own: an
   * engine that stopped answering fails the rest of the scope's calls at once (its circuit
   * breaker), and a timeout at setup, or in one watch-mode rerun, must not fail the next cleanup
   * unasked. The scope shares the engine's connection and negotiated API version: no new
   * connection, no second `/_ping`.
   */
  const withEngine = <T>(work: (engine: Engine) => Promise<T>): Promise<T> => {
    const own = engine.scope();
    return work(own).finally(() => own.close());
  };

  // Dead sessions are swept by the watchdog (or a sweep-only one), in the background: setup
  // never waits on them.
  const sweepRoot = options.sweepDeadSessions ? root : undefined;
  // The session socket: bound here (about 1 ms), served by the watchdog, which gets the
  // listening descriptor at spawn. Setup does not wait for the watchdog's Node to start: a
  // client that connects first waits in the kernel's backlog.
  let bound: BoundSocket | undefined;
  if (options.socket) {
    const upstream = upstreamFor(endpointFor(record, ownEnv));
    if (!options.watchdog) warnings.push(socketWarning('it needs the watchdog (watchdog: false)'));
    else if ('unsupported' in upstream) warnings.push(socketWarning(upstream.unsupported));
    else {
      try {
        bound = await bindSessionSocket(sessionSocketPath(dir));
      } catch (error) {
        warnings.push(socketWarning(error instanceof Error ? error.message : String(error)));
      }
    }
  }
  const firstWatchdog =
    options.watchdog || sweepRoot
      ? spawnWatchdog(
          {
            ...(options.watchdog ? { sessionDir: dir } : {}),
            ...(sweepRoot ? { sweepRoot } : {}),
            ownSession: id,
            dockerPath,
            ...(bound ? { socket: { fd: bound.fd, path: bound.path } } : {}),
          },
          helpersEnv,
        )
      : undefined;
  let socketPath: string | undefined;
  if (bound) {
    if (firstWatchdog === undefined) {
      await bound.discard();
      warnings.push(socketWarning('the watchdog process did not start'));
    } else {
      await bound.release();
      socketPath = bound.path;
    }
  }
  const before = await imagesBefore;
  if (before?.ok) writeImagesBefore(dir, before.ids);
  else if (before && !before.ok) {
    if (!isDockerError(before.error)) {
      // The session does not start (openSession removes its record): the watchdog looks at it at
      // once, finds it gone, and ends.
      firstWatchdog?.channel?.end();
      throw before.error;
    }
    dockerUnavailable = before.error.message.split('\n')[0] ?? '';
  }
  const socketEnv = socketPath === undefined ? undefined : socketEnvironment(socketPath);
  // Ryuk is not needed (docker-janitor removes what the tests create, after a crash too) and
  // would bind-mount DOCKER_HOST, the session socket. The user's own setting wins.
  const ryuk: Record<string, string> = socketEnv && env.TESTCONTAINERS_RYUK_DISABLED === undefined ? { TESTCONTAINERS_RYUK_DISABLED: 'true' } : {};
  /**
   * At teardown the tests are over: the socket is closed before the session's objects are listed
   * (closing.ts), so a straggler (an orphaned worker, a background client, a kept-alive
   * connection) cannot create something after the listing. `asking`: the watchdog was asked and
   * has not answered yet (a signal then lets the signal cleaner ask again and wait).
   */
  let socketState: 'open' | 'asking' | 'closed' = socketPath === undefined ? 'closed' : 'open';
  let closed = false;
  /**
   * A session watchdog that ends during the run is started again on the same socket path
   * (supervise.ts): the old claim goes, the socket is bound again (rename over the old file),
   * and the new watchdog gets it as the first one did.
   */
  const restartWatchdog = async (started: (next: WatchdogProcess) => void, pause: () => Promise<boolean>): Promise<void> => {
    let rebound: BoundSocket | undefined;
    if (socketPath !== undefined) {
      unlinkQuietly(claimPath(socketPath));
      rebound = await bindSessionSocket(socketPath);
    }
    // Bound again first: the tests' connections wait in its queue during the pause.
    const proceed = await pause();
    // Teardown or a signal cleanup began meanwhile: nothing to serve any more.
    if (!proceed || closed || (socketPath !== undefined && socketState !== 'open')) {
      if (rebound) await rebound.discard();
      return;
    }
    const next = spawnWatchdog({ sessionDir: dir, ownSession: id, dockerPath, ...(rebound ? { socket: { fd: rebound.fd, path: rebound.path } } : {}) }, helpersEnv);
    if (next) started(next);
    if (rebound) await (next ? rebound.release() : rebound.discard());
  };
  const watchdogs = options.watchdog ? superviseWatchdog(firstWatchdog, restartWatchdog) : undefined;
  const currentWatchdog = () => watchdogs?.current() ?? firstWatchdog;
  let teardownPromise: Promise<TeardownResult> | undefined;

  /**
   * `done`: everything the session names is gone. `kept`: left on purpose (keepOnFailure, dry
   * run), for `sweep --session`. `incomplete`: teardown could not finish; the record and the
   * watchdog stay, and the watchdog, the next run or `sweep` retry.
   */
  const close = (outcome: 'done' | 'kept' | 'incomplete') => {
    closed = true;
    engine.close();
    if (outcome === 'incomplete') {
      markIncomplete(dir);
      return; // the watchdog keeps watching: when the owner is gone, it retries
    }
    if (outcome === 'kept') {
      markKept(dir);
      markClosed(dir);
    } else {
      markClosed(dir);
      removeSessionDir(dir);
    }
    // Only now, after the cleanup finished (a death mid-cleanup leaves it watching): its channel
    // closes, it sees the session closed, and it ends. No signal to its PID.
    currentWatchdog()?.channel?.end();
  };

  const session: Session = {
    id,
    dir,
    labels: { [SESSION_LABEL]: id },
    env: { [SESSION_ENV]: id, [SESSION_DIR_ENV]: dir, ...(socketEnv?.set ?? {}), ...ryuk },
    unsetEnv: socketEnv?.unset ?? [],
    socket: socketPath,
    options,
    engine,
    warnings,
    dockerUnavailable,
    teardown(teardownContext = {}) {
      teardownPromise ??= (async () => {
        // At once, before any await: no restart from here on, and new connections fail.
        watchdogs?.freeze();
        if (socketState === 'open' && socketPath !== undefined) unlinkQuietly(socketPath);
        // A restart under way finishes first (it serves, and is asked to close below, or gives up).
        await watchdogs?.stop();
        const ended = watchdogEndedWarnings(watchdogs?.ends() ?? [], socketPath !== undefined);
        let closing: ReturnType<typeof closingOutcome> = { warnings: [], mayGainObjects: false };
        if (socketState === 'open' && socketPath !== undefined) {
          socketState = 'asking';
          closing = closingOutcome(await closeSessionSocket(socketPath, currentWatchdog()?.channel), id, ended.length > 0);
          socketState = 'closed';
        }
        const result = await withEngine((own) =>
          teardownSession(own, {
            record,
            dir,
            options,
            failed: teardownContext.failed === true,
            warnings: [...ended, ...closing.warnings],
            mayGainObjects: closing.mayGainObjects,
            socket: socketPath !== undefined,
          }),
        );
        // A signal cleanup that ran meanwhile closed the session already.
        if (!closed) {
          const kept = result.containers.kept.length > 0 || (options.dryRun && !result.incomplete);
          close(result.incomplete ? 'incomplete' : kept ? 'kept' : 'done');
        }
        return result;
      })();
      return teardownPromise;
    },
    cleanObjects() {
      return withEngine((own) => teardownSession(own, { record, dir, options, objectsOnly: true, socket: socketPath !== undefined }));
    },
    cleanupSync() {
      if (closed) return { outcome: 'complete' };
      watchdogs?.freeze();
      const watchdog = currentWatchdog();
      let cleanup: SignalCleanup = { outcome: 'incomplete' };
      try {
        // The socket's path goes and it is claimed here; when the watchdog serves it (or was
        // asked by a teardown under way), the signal cleaner asks it to close, and waits, first.
        let ask = socketState === 'asking';
        if (socketState === 'open' && socketPath !== undefined) ask = unlinkAndClaim(socketPath);
        socketState = 'closed';
        // In a detached process of its own (Node has no synchronous HTTP), waited for at most
        // SIGNAL_WAIT_MS, or until another signal: then it goes on in the background, and the
        // watchdog still finishes what it could not.
        cleanup = cleanNowSync(dir, {
          dockerPath,
          env: helpersEnv,
          waitMs: SIGNAL_WAIT_MS,
          channelFd: ask && watchdog?.channel?.goneAt() === undefined ? watchdog?.channelFd : undefined,
        });
      } finally {
        close(cleanup.outcome === 'complete' ? 'done' : 'incomplete');
      }
      return cleanup;
    },
    handleSignals() {
      return installSignalHandlers(() => {
        const cleanup = session.cleanupSync();
        if (cleanup.outcome === 'background') process.stderr.write(`${backgroundCleanupLine(cleanup.pid)}\n`);
      });
    },
    exportEnv(target = process.env) {
      return applyEnvironment(target, { set: session.env, unset: session.unsetEnv });
    },
  };
  return session;
}

/** Pure: which setting a refused record's reason points at. */
export function recordRefusalHint(reason: string): string {
  if (reason.startsWith('bad adopt')) return `adopt.labels takes at most ${MAX_ADOPT_LABELS} filters of at most ${MAX_ADOPT_LABEL_LENGTH} characters`;
  if (reason === 'bad docker.host') return 'the engine endpoint (docker.host or DOCKER_HOST) has a control character or is over 1024 characters';
  if (reason === 'bad docker.context') return 'the docker context name (docker.context or DOCKER_CONTEXT) is not one docker accepts';
  return 'an option value a session record cannot hold';
}

/** What a signal handler prints when it leaves before the cleanup is over. */
export function backgroundCleanupLine(pid: number): string {
  return `docker-janitor: cleanup continues in the background (pid ${pid}); exiting`;
}

function socketWarning(reason: string): string {
  return `No session socket: ${reason}; the tests reach the engine directly (labels, tracking and adoption only).`;
}
