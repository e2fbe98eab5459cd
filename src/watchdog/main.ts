/**
 * The watchdog process: `node main.js <sessionDir>`. Polls the session's owner; when it is gone
 * and the session was not closed, removes the session's objects, sweeps again shortly after
 * (orphaned workers may still create containers), and exits. With adoption on, it also follows
 * `docker events` and records the containers to adopt, so they survive a SIGKILL of the runner.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { containerCreateEventsArgs, parseCreateEvents } from '../docker/resources.js';
import { adoptionEnabled, selectAdopted } from '../session/adopt.js';
import { drive, sessionObjectSteps } from '../session/steps.js';
import { appendTracked, isClosed, isOwnerAlive, markClosed, readSessionRecord, readTracked, removeSessionDir } from '../session/store.js';
import { clientFor } from '../session/sweep.js';

const POLL_MS = 200;
const RESWEEP_AFTER_MS = [1_500, 5_000];

const dir = process.argv[2];
if (!dir) process.exit(2);
const record = readSessionRecord(dir);
if (!record) process.exit(0);

const docker = clientFor(record);
const log = (message: string) => {
  try {
    appendFileSync(join(dir, 'watchdog.log'), `${new Date().toISOString()} ${message}\n`);
  } catch {
    // nowhere to log
  }
};

const events = adoptionEnabled(record.adopt)
  ? docker.stream(containerCreateEventsArgs(Math.floor(record.startedAt / 1000)), (line) => {
      const ids = selectAdopted(parseCreateEvents(line), record.adopt);
      if (ids.length > 0 && existsSync(dir)) appendTracked(dir, ids.map((id) => ({ id, kind: 'container' as const })));
    })
  : undefined;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sessionOver = () => !existsSync(dir) || isClosed(dir);

async function sweep(): Promise<void> {
  const report = await drive(docker, sessionObjectSteps({ sessionId: record!.id, tracked: readTracked(dir!), stopTimeout: 0, keep: false }));
  log(
    `swept: ${report.containers.removed.length} container(s), ${report.networks.removed.length} network(s), ${report.volumes.removed.length} volume(s); failed ${report.containers.failed.length + report.networks.failed.length + report.volumes.failed.length}`,
  );
}

async function watch(): Promise<void> {
  process.on('SIGTERM', () => {
    events?.stop();
    process.exit(0);
  });
  for (;;) {
    if (sessionOver()) break;
    if (!isOwnerAlive(record!)) {
      log(`owner ${record!.pid} is gone; cleaning session ${record!.id}`);
      try {
        await sweep();
        for (const delay of RESWEEP_AFTER_MS) {
          await sleep(delay);
          if (isClosed(dir!)) break;
          await sweep();
        }
        events?.stop();
        markClosed(dir!);
        removeSessionDir(dir!);
      } catch (error) {
        log(`sweep failed: ${error instanceof Error ? error.message : String(error)}; the next run's setup will retry`);
      }
      break;
    }
    await sleep(POLL_MS);
  }
  events?.stop();
  process.exit(0);
}

void watch();
