/**
 * Sessions whose teardown never ran (SIGKILL, OOM, a cancelled CI job, the watchdog killed too,
 * a reboot): the next run's setup and `docker-janitor sweep` clean them. Only sessions recorded
 * on this machine whose owner process is dead are swept automatically; `--session ID` names one.
 */
import { createDockerClient, type DockerClient, type DockerClientOptions } from '../docker/client.js';
import { isDockerError, type DockerErrorCode } from '../docker/errors.js';
import { drive, sessionObjectSteps, type SessionObjectsReport } from './steps.js';
import {
  isClosed,
  isKept,
  isOwnerAlive,
  listSessionDirs,
  markClosed,
  readSessionRecord,
  readTracked,
  removeSessionDir,
  type SessionRecord,
} from './store.js';

/** Dead sessions whose engine stays unreachable are forgotten after this long. */
export const FORGET_AFTER_MS = 7 * 24 * 3600 * 1000;

export interface SweptSession {
  readonly sessionId: string;
  readonly report?: SessionObjectsReport;
  /** Why it could not be swept (engine unreachable…); the record is kept for a later try. */
  readonly error?: string;
  readonly errorCode?: DockerErrorCode;
}

export interface SweepOptions {
  readonly dryRun?: boolean;
  /** Include sessions whose containers were kept on purpose (keepOnFailure). */
  readonly includeKept?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly onCommand?: DockerClientOptions['onCommand'];
}

export function clientFor(record: SessionRecord, options: SweepOptions = {}): DockerClient {
  return createDockerClient({
    ...(record.docker.path ? { dockerPath: record.docker.path } : {}),
    ...(record.docker.host ? { host: record.docker.host } : record.docker.context ? { context: record.docker.context } : {}),
    ...(record.docker.timeoutMs ? { timeoutMs: record.docker.timeoutMs } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.onCommand ? { onCommand: options.onCommand } : {}),
  });
}

/** Sweep one session's objects (by label and its tracked IDs, when its record is here). */
export async function sweepSession(docker: DockerClient, sessionId: string, dir: string | undefined, options: SweepOptions = {}): Promise<SweptSession> {
  try {
    const report = await drive(
      docker,
      sessionObjectSteps({
        sessionId,
        tracked: dir ? readTracked(dir) : [],
        stopTimeout: 0,
        keep: false,
        dryRun: options.dryRun ?? false,
      }),
    );
    if (dir && !options.dryRun) {
      markClosed(dir);
      removeSessionDir(dir);
    }
    return { sessionId, report };
  } catch (error) {
    if (!isDockerError(error)) throw error;
    return { sessionId, error: error.message.split('\n')[0] ?? String(error), errorCode: error.code };
  }
}

/** Every session recorded under `root` whose owner is dead and that was not cleaned. */
export async function sweepDeadSessions(root: string, options: SweepOptions = {}): Promise<SweptSession[]> {
  const swept: SweptSession[] = [];
  for (const dir of listSessionDirs(root)) {
    const record = readSessionRecord(dir);
    if (!record) continue;
    if (isOwnerAlive(record)) continue;
    if (isKept(dir) && !options.includeKept) continue;
    if (isClosed(dir) && !isKept(dir)) {
      if (!options.dryRun) removeSessionDir(dir);
      continue;
    }
    const result = await sweepSession(clientFor(record, options), record.id, dir, options);
    if (result.error && Date.now() - record.startedAt > FORGET_AFTER_MS && !options.dryRun) {
      // Its engine has not answered for a week: forget the record rather than warn forever.
      removeSessionDir(dir);
    }
    swept.push(result);
  }
  return swept;
}
