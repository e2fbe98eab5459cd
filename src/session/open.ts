/**
 * `openSession()`: what the Vitest and Jest adapters (and anyone scripting a test run) call at
 * global setup. It records the session (in the private state root), starts the watchdog (which
 * also sweeps dead sessions, in the background), and returns
 * the handle whose `teardown()` cleans everything at the end.
 */
import { hostname } from 'node:os';
import type { EngineOptions } from '../docker/create.js';
import type { Engine } from '../docker/engine.js';
import { isDockerError } from '../docker/errors.js';
import { janitorOptionsSchema, parseOptions, type JanitorOptions, type JanitorOptionsInput } from '../options/schema.js';
import { cleanNowSync, spawnWatchdog, stopWatchdog } from './processes.js';
import type { TeardownResult } from './result.js';
import { installSignalHandlers } from './signals.js';
import {
  markClosed,
  markIncomplete,
  markKept,
  newSessionId,
  prepareStateRoot,
  processStart,
  removeSessionDir,
  sessionDir,
  stateRoot,
  writeImagesBefore,
  writeSessionRecord,
  type SessionRecord,
} from './store.js';
import { engineFor } from './sweep.js';
import { teardownSession } from './teardown.js';
import { SESSION_DIR_ENV, SESSION_ENV, SESSION_LABEL } from './tracking.cjs';

export interface Session {
  readonly id: string;
  /** The session's state directory (tracked IDs, markers). */
  readonly dir: string;
  /** `{ 'docker-janitor.session': id }`. */
  readonly labels: Readonly<Record<string, string>>;
  /** Variables for the test processes: DOCKER_JANITOR_SESSION and DOCKER_JANITOR_SESSION_DIR. */
  readonly env: Readonly<Record<string, string>>;
  readonly options: JanitorOptions;
  /** The engine the session cleans on (resolved once at setup). */
  readonly engine: Engine;
  /** Warnings from setup (Docker unreachable…): the run goes on. */
  readonly warnings: readonly string[];
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
   */
  cleanupSync(): void;
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
  const options = parseOptions(janitorOptionsSchema, input);
  const env = context.env ?? process.env;
  const warnings: string[] = [];
  const root = stateRoot(env);
  const state = prepareStateRoot(root);
  if (!state.ok) throw new Error(`refusing to use the state directory: ${state.reason}`);
  // The docker CLI is this process's own (options, environment), never one read from a record.
  const dockerPath = options.docker.path ?? env.DOCKER_JANITOR_DOCKER_PATH;

  const id = newSessionId();
  const dir = sessionDir(root, id);
  const record: SessionRecord = {
    id,
    pid: process.pid,
    pidStart: processStart(process.pid),
    hostname: hostname(),
    startedAt: Date.now(),
    docker: {
      host: options.docker.host ?? (options.docker.context ? undefined : env.DOCKER_HOST || undefined),
      context: options.docker.context ?? (env.DOCKER_HOST ? undefined : env.DOCKER_CONTEXT || undefined),
      transport: options.docker.transport,
      timeoutMs: options.docker.timeoutMs,
    },
    stopTimeout: options.stopTimeout,
    adopt: options.adopt,
  };
  writeSessionRecord(dir, record);

  const engine = engineFor(record, {
    env,
    dockerPath,
    ...(context.onCommand ? { onCommand: context.onCommand } : {}),
    ...(context.onRequest ? { onRequest: context.onRequest } : {}),
  });

  if (options.images === 'session' || options.images === 'before-and-own') {
    try {
      writeImagesBefore(dir, (await engine.listImages({ all: true })).map((image) => image.id));
    } catch (error) {
      if (!isDockerError(error)) throw error;
      warnings.push(`Docker is not available, cleanup will be skipped: ${error.message.split('\n')[0]}`);
    }
  }

  // Dead sessions are swept by the watchdog (or a sweep-only one), in the background: setup
  // never waits on them.
  const sweepRoot = options.sweepDeadSessions ? root : undefined;
  const watchdogPid =
    options.watchdog || sweepRoot
      ? spawnWatchdog({ ...(options.watchdog ? { sessionDir: dir } : {}), ...(sweepRoot ? { sweepRoot } : {}), ownSession: id, dockerPath }, env)
      : undefined;
  let closed = false;
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
    // Told to stop only now, after the cleanup finished: a death mid-cleanup leaves it running.
    if (options.watchdog) stopWatchdog(watchdogPid);
    if (outcome === 'kept') {
      markKept(dir);
      markClosed(dir);
    } else {
      markClosed(dir);
      removeSessionDir(dir);
    }
  };

  const session: Session = {
    id,
    dir,
    labels: { [SESSION_LABEL]: id },
    env: { [SESSION_ENV]: id, [SESSION_DIR_ENV]: dir },
    options,
    engine,
    warnings,
    teardown(teardownContext = {}) {
      teardownPromise ??= teardownSession(engine, {
        record,
        dir,
        options,
        failed: teardownContext.failed === true,
      }).then((result) => {
        const kept = result.containers.kept.length > 0 || (options.dryRun && !result.incomplete);
        close(result.incomplete ? 'incomplete' : kept ? 'kept' : 'done');
        return result;
      });
      return teardownPromise;
    },
    cleanObjects() {
      return teardownSession(engine, { record, dir, options, objectsOnly: true });
    },
    cleanupSync() {
      if (closed) return;
      let complete = false;
      try {
        // In a child process of its own (Node has no synchronous HTTP), bounded: a hung engine
        // leaves the rest to the watchdog.
        complete = cleanNowSync(dir, { dockerPath, env, timeoutMs: 2 * options.docker.timeoutMs + 5_000 });
      } finally {
        close(complete ? 'done' : 'incomplete');
      }
    },
    handleSignals() {
      return installSignalHandlers(() => session.cleanupSync());
    },
    exportEnv(target = process.env) {
      const saved = Object.entries(session.env).map(([key, value]) => {
        const before = target[key];
        target[key] = value;
        return [key, before] as const;
      });
      return () => {
        for (const [key, before] of saved) {
          if (before === undefined) delete target[key];
          else target[key] = before;
        }
      };
    },
  };
  return session;
}
