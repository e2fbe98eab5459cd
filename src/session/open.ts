/**
 * `openSession()`: what the Vitest and Jest adapters (and anyone scripting a test run) call at
 * global setup. It records the session, sweeps dead sessions, starts the watchdog, and returns
 * the handle whose `teardown()` cleans everything at the end.
 */
import { hostname } from 'node:os';
import type { DockerClient, DockerClientOptions } from '../docker/client.js';
import { isDockerError } from '../docker/errors.js';
import { listImageIds } from '../docker/images.js';
import { janitorOptionsSchema, parseOptions, type JanitorOptions, type JanitorOptionsInput } from '../options/schema.js';
import { spawnWatchdog, stopWatchdog } from '../watchdog/spawn.js';
import type { TeardownResult } from './result.js';
import { installSignalHandlers } from './signals.js';
import { driveSync, sessionObjectSteps } from './steps.js';
import {
  markClosed,
  markKept,
  newSessionId,
  processStart,
  readTracked,
  removeSessionDir,
  sessionDir,
  stateRoot,
  writeImagesBefore,
  writeSessionRecord,
  type SessionRecord,
} from './store.js';
import { clientFor, sweepDeadSessions, type SweptSession } from './sweep.js';
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
  readonly docker: DockerClient;
  /** Dead sessions swept at setup. */
  readonly swept: readonly SweptSession[];
  /** Warnings from setup (Docker unreachable…): the run goes on. */
  readonly warnings: readonly string[];
  /**
   * Remove the session's objects, then clean images. Idempotent: later calls return the first
   * result. `failed` is whether the test run failed (for keepOnFailure).
   */
  teardown(context?: { failed?: boolean }): Promise<TeardownResult>;
  /** Remove the session's containers, networks and volumes now, keep the session open (watch reruns). */
  cleanObjects(): Promise<TeardownResult>;
  /** Synchronous removal of the session's objects, for signal handlers. Closes the session. */
  cleanupSync(): void;
  /** Clean synchronously on SIGINT/SIGTERM/SIGHUP, then end with the signal. Returns an uninstaller. */
  handleSignals(): () => void;
  /** Put {@link env} into `target` (default `process.env`, which test workers inherit). Returns the restorer. */
  exportEnv(target?: NodeJS.ProcessEnv): () => void;
}

export interface OpenSessionContext {
  /** Environment for docker and the state directory; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  readonly onCommand?: DockerClientOptions['onCommand'];
}

export async function openSession(input: JanitorOptionsInput = {}, context: OpenSessionContext = {}): Promise<Session> {
  const options = parseOptions(janitorOptionsSchema, input);
  const env = context.env ?? process.env;
  const warnings: string[] = [];
  const root = stateRoot(env);

  const swept = options.sweepDeadSessions ? await sweepDeadSessions(root, { env, ...onCommand(context) }) : [];
  for (const item of swept) if (item.error) warnings.push(`Could not sweep dead session ${item.sessionId}: ${item.error}`);

  const id = newSessionId();
  const dir = sessionDir(root, id);
  const record: SessionRecord = {
    id,
    pid: process.pid,
    pidStart: processStart(process.pid),
    hostname: hostname(),
    startedAt: Date.now(),
    docker: {
      path: options.docker.path ?? env.DOCKER_JANITOR_DOCKER_PATH,
      host: options.docker.host ?? (options.docker.context ? undefined : env.DOCKER_HOST || undefined),
      context: options.docker.context ?? (env.DOCKER_HOST ? undefined : env.DOCKER_CONTEXT || undefined),
      timeoutMs: options.docker.timeoutMs,
    },
    stopTimeout: options.stopTimeout,
    adopt: options.adopt,
  };
  writeSessionRecord(dir, record);

  const docker = clientFor(record, { env, ...onCommand(context) });

  if (options.images === 'session' || options.images === 'before-and-own') {
    try {
      writeImagesBefore(dir, await listImageIds(docker, { all: true }));
    } catch (error) {
      if (!isDockerError(error)) throw error;
      warnings.push(`Docker is not available, cleanup will be skipped: ${error.message.split('\n')[0]}`);
    }
  }

  const watchdogPid = options.watchdog ? spawnWatchdog(dir, env) : undefined;
  let closed = false;
  let teardownPromise: Promise<TeardownResult> | undefined;

  const close = (kept: boolean) => {
    closed = true;
    stopWatchdog(watchdogPid);
    if (kept) {
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
    docker,
    swept,
    warnings,
    teardown(teardownContext = {}) {
      teardownPromise ??= teardownSession(docker, {
        record,
        dir,
        options,
        failed: teardownContext.failed === true,
      }).then((result) => {
        close(result.containers.kept.length > 0);
        return result;
      });
      return teardownPromise;
    },
    cleanObjects() {
      return teardownSession(docker, { record, dir, options, objectsOnly: true });
    },
    cleanupSync() {
      if (closed) return;
      try {
        // Adopted containers too: without a watchdog nobody recorded them as they appeared.
        driveSync(
          docker,
          sessionObjectSteps({
            sessionId: id,
            tracked: readTracked(dir),
            stopTimeout: 0,
            keep: false,
            adopt: { filters: record.adopt, sinceMs: record.startedAt },
          }),
        );
      } finally {
        close(false);
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

function onCommand(context: OpenSessionContext): Pick<DockerClientOptions, 'onCommand'> {
  return context.onCommand ? { onCommand: context.onCommand } : {};
}
