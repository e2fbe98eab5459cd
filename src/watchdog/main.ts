/**
 * The watchdog process: `node main.js [--session-dir DIR] [--sweep-root ROOT] [--own-session ID] [--docker-path P]`.
 *
 * - With `--session-dir`: polls the session's owner; when it is gone and the session was not
 *   closed (or its teardown could not finish), removes the session's objects, sweeps again
 *   shortly after (orphaned workers may still create containers), and ends. With adoption on,
 *   it also follows `docker events` and records the containers to adopt, so they survive a
 *   SIGKILL of the runner.
 * - With `--sweep-root`: sweeps the sessions of dead runs in the background, a few at a time,
 *   within an overall bound, backing off from engines that do not answer.
 *
 * The docker CLI is the one its parent was configured with (argv), never one named on disk; the
 * session directory and its record are checked (private, sane) before anything runs.
 *
 * With `--socket-fd N --socket-path P`: the session socket, bound and listening in the parent
 * (setup), arrives as descriptor N; the watchdog serves it (out of the runner's event loop, which
 * a test's synchronous docker call can block, and alive after a SIGKILL of the runner), relaying
 * to the session's engine as resolved from the record and the parent's environment. It serves
 * only if it claims the socket before teardown does (socket/claim.ts). When the owner dies it
 * closes the socket first, so nothing new is created through it, then sweeps.
 *
 * With `--channel-fd N`: the channel to the runner (session/channel.ts). `close` closes the
 * socket and answers when it is closed (creates already sent to the engine answered first), so
 * teardown lists the session's objects only after that. When the runner's end closes (teardown
 * finished, or the runner died), the session is looked at at once. SIGTERM still stops it.
 */
import { closeSync, existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { serveChannel } from '../session/channel.js';
import { endpointFor } from '../session/endpoint.js';
import { imageLabelsFor } from '../session/image-labels.js';
import { SESSION_LABEL } from '../session/names.js';
import { appendImageMade, appendTracked, isClosed, isIncomplete, isOwnerAlive, markClosed, markIncomplete, readSessionRecordChecked, readTracked, removeSessionDir, type SessionRecord } from '../session/store.js';
import { claimSocket } from '../socket/claim.js';
import { NOTHING_CLOSED } from '../socket/close-report.js';
import { startSessionSocket, type SessionSocket } from '../socket/server.js';
import { upstreamFor } from '../socket/upstream.js';
import { appendLog } from './log.js';

/**
 * The modules that reach the engine (the sweeps, adoption): more than half of this
 * process's start-up. They load once the session socket serves, so that the tests' first calls,
 * waiting in the socket's queue, do not wait for them; and at once after that, not when a sweep
 * needs them, so that a package replaced on disk during the run cannot leave a crashed run
 * unswept. The bundle (scripts/bundle-watchdog.mjs) keeps this import as it is.
 */
const engineModules = () => import('./engine-modules.js');

const POLL_MS = 200;
const RESWEEP_AFTER_MS = [1_500, 5_000];
/** The background sweep starts no new session after this long. */
const BACKGROUND_SWEEP_DEADLINE_MS = 5 * 60 * 1000;

function argValue(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

const dir = argValue('--session-dir');
const sweepRoot = argValue('--sweep-root');
const dockerPath = argValue('--docker-path');
// The run's own session is the watchdog's (or, without one, nobody's: watchdog: false).
const ownSession = argValue('--own-session');
const socketFdArg = argValue('--socket-fd');
const socketFd = socketFdArg === undefined ? undefined : Number(socketFdArg);
const socketPath = argValue('--socket-path');
const channelFdArg = argValue('--channel-fd');
const channelFd = channelFdArg === undefined ? undefined : Number(channelFdArg);
if (!dir && !sweepRoot) process.exit(2);

// SIGTERM (the owner's teardown finished): stop watching; a background sweep under way finishes.
let stopped = false;
const onStop: Array<() => void> = [];
process.on('SIGTERM', () => {
  // Said in the session's log: the socket refuses from now on, and no crash is cleaned after.
  if (dir && !stopped && existsSync(dir)) appendLog(join(dir, 'watchdog.log'), 'stopped by SIGTERM: the session socket closes, and this watchdog cleans nothing after the owner');
  stopped = true;
  for (const stop of onStop) stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Cut short by `wake()`: the runner's end of the channel closed, look now. */
let wakeUp: (() => void) | undefined;
const nap = (ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      wakeUp = undefined;
      resolve();
    }
    wakeUp = done;
  });
const logTo = (file: string) => (message: string) => appendLog(file, message);

/** Settled once this process serves the session socket, or knows it will not: the rest waits for it. */
let socketStarted!: () => void;
const socketSettled = new Promise<void>((resolve) => (socketStarted = resolve));

async function backgroundSweep(root: string): Promise<void> {
  const log = logTo(join(root, 'background-sweep.log'));
  await socketSettled;
  try {
    const { sweepDeadSessions } = await engineModules();
    const report = await sweepDeadSessions(root, {
      dockerPath,
      respectBackoff: true,
      deadlineMs: BACKGROUND_SWEEP_DEADLINE_MS,
      ...(ownSession ? { skip: new Set([ownSession]) } : {}),
    });
    for (const warning of report.warnings) log(warning);
    for (const swept of report.sessions) {
      if (swept.error) log(`session ${swept.sessionId}: could not sweep: ${swept.error}`);
      else if (swept.incomplete) log(`session ${swept.sessionId}: not everything could be removed; kept for a later try`);
    }
  } catch (error) {
    log(`background sweep failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function watchSession(sessionDir: string): Promise<void> {
  const log = logTo(join(sessionDir, 'watchdog.log'));
  const read = readSessionRecordChecked(sessionDir);
  if (!read.ok) {
    log(`refusing to watch ${sessionDir}: ${read.reason}`);
    socketStarted();
    return;
  }
  const record = read.record;
  const serving = serveSocket(record, sessionDir, log);
  let runnerGone = false;
  if (channelFd !== undefined && Number.isInteger(channelFd)) {
    try {
      serveChannel(new Socket({ fd: channelFd, readable: true, writable: true }), {
        onClose: async () => {
          const report = (await (await serving)?.close()) ?? NOTHING_CLOSED;
          // After the answer has gone: teardown waits for it.
          setImmediate(() =>
            log(`socket closed for teardown: ${report.dropped} connection(s) ended, ${report.answered} create(s) answered first, ${report.cutOff} cut off, in ${report.ms.toFixed(1)} ms`),
          );
          return report;
        },
        onEnd: () => {
          runnerGone = true;
          wakeUp?.();
        },
      });
    } catch (error) {
      log(`no channel to the runner: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const socket = await serving;
  socketStarted();
  if (socket) onStop.push(() => void socket.close());
  const { engineFor, sweptEverything, removeSessionObjects, adoptionEnabled, selectAdopted } = await engineModules().catch((error: unknown) => {
    // The package changed on disk since setup: this process ends, and the runner starts another.
    log(`cannot load the watchdog's modules: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  });
  const engine = engineFor(record, { dockerPath });
  const events = adoptionEnabled(record.adopt)
    ? engine.watchContainerCreates(record.startedAt, (event) => {
        const ids = selectAdopted([event], record.adopt);
        if (ids.length > 0 && existsSync(sessionDir)) appendTracked(sessionDir, ids.map((id) => ({ id, kind: 'container' as const })));
      })
    : undefined;
  if (events) onStop.push(() => events.stop());
  // Closed without `incomplete`: teardown removed everything. With it, the owner's teardown
  // could not finish, and this watchdog retries once the owner is gone.
  const sessionOver = () => stopped || !existsSync(sessionDir) || (isClosed(sessionDir) && !isIncomplete(sessionDir));

  /**
   * `goneAt`: when the owner was found gone. Adoption (when on) also replays the engine's create
   * events up to then, as teardown does up to its start: a create whose event the stream had not
   * delivered when it was stopped is still taken (attack/132), and nothing created after it.
   */
  const sweep = async (goneAt: number): Promise<boolean> => {
    // A scope of its own per sweep: an engine that stopped answering fails the rest of the
    // scope's calls at once (its circuit breaker), and the next sweep asks afresh.
    const own = engine.scope();
    // Handed no socket: the tests label by hand, as teardown takes it.
    const targets = { sessionId: record.id, tracked: readTracked(sessionDir), stopTimeout: 0, keep: false, takeImageLabelled: socketFd === undefined, adopt: { filters: record.adopt, sinceMs: record.startedAt } };
    const report = await removeSessionObjects(own, targets, goneAt).finally(() => own.close());
    log(
      `swept: ${report.containers.removed.length} container(s), ${report.networks.removed.length} network(s), ${report.volumes.removed.length} volume(s); failed ${report.containers.failed.length + report.networks.failed.length + report.volumes.failed.length}`,
    );
    for (const note of report.notes) log(note);
    return sweptEverything(report);
  };

  // A runner that just died can still look alive for a moment (a zombie until its parent reaps it).
  let runnerGoneLooks = 0;
  for (;;) {
    if (sessionOver()) break;
    if (!isOwnerAlive(record)) {
      const goneAt = Date.now();
      log(`owner ${record.pid} is gone; cleaning session ${record.id}`);
      // Closed first: nothing new is created through it while the sweep runs.
      await socket?.close();
      // No adoption after the owner's death: a container created from now on (the next run's,
      // matching the same filters) is not this session's. What the stream had not delivered yet,
      // the sweeps' replay up to goneAt takes.
      events?.stop();
      try {
        let complete = await sweep(goneAt);
        for (const delay of RESWEEP_AFTER_MS) {
          await sleep(delay);
          if (sessionOver()) break;
          // Each sweep lists the session's objects afresh: the last one says what is left.
          complete = await sweep(goneAt);
        }
        events?.stop();
        if (complete) {
          markClosed(sessionDir);
          removeSessionDir(sessionDir);
        } else {
          markIncomplete(sessionDir);
          log('not everything could be removed; the next run or docker-janitor sweep will retry');
        }
      } catch (error) {
        markIncomplete(sessionDir);
        log(`sweep failed: ${error instanceof Error ? error.message : String(error)}; the next run or docker-janitor sweep will retry`);
      }
      break;
    }
    // The runner's end closed: it is gone or done; the next turns look without waiting.
    if (!runnerGone) await nap(POLL_MS);
    else await sleep(runnerGoneLooks++ < 10 ? 20 : POLL_MS);
  }
  events?.stop();
  await socket?.close();
  engine.close();
}

/** Serves the session socket handed over by setup, if any. Never throws: a failure is logged. */
async function serveSocket(record: SessionRecord, sessionDir: string, log: (message: string) => void): Promise<SessionSocket | undefined> {
  if (socketFd === undefined || !Number.isInteger(socketFd) || !socketPath) return undefined;
  // Teardown may have begun while this process started: then it never serves, and teardown
  // does not wait for it (claim.ts).
  const claim = claimSocket(socketPath, 'serve');
  if (claim !== 'won') {
    log(claim === 'lost' ? 'session socket not served: teardown closed it before this watchdog started' : `session socket not served: cannot claim it in ${socketPath}'s directory`);
    closeFd(socketFd);
    return undefined;
  }
  const chosen = upstreamFor(endpointFor(record, process.env));
  if ('unsupported' in chosen) {
    log(`session socket not served: ${chosen.unsupported}`);
    closeFd(socketFd);
    return undefined;
  }
  try {
    const socket = await startSessionSocket({
      path: socketPath,
      fd: socketFd,
      upstream: chosen.upstream,
      labels: { [SESSION_LABEL]: record.id },
      imageLabels: () => imageLabelsFor(record.id),
      onImageMade: (id) => {
        try {
          appendImageMade(sessionDir, id);
        } catch (error) {
          // Not recorded: teardown then leaves that image (it is not known as the session's).
          log(`socket: image ${id} made through the socket not recorded: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
      onProblem: (message) => log(`socket: ${message}`),
    });
    log(`serving the session socket ${socketPath} -> ${socket.upstream}`);
    return socket;
  } catch (error) {
    // Clients then get "connection refused" once this process lets go of the descriptor.
    log(`session socket not served: ${error instanceof Error ? error.message : String(error)}`);
    closeFd(socketFd);
    return undefined;
  }
}

function closeFd(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // not open
  }
}

if (!dir) socketStarted();
// No top-level await: the bundle is CommonJS (Node starts it without its ESM loader). A failure
// (the engine modules cannot load) ends this process with 1 itself, not as an unhandled
// rejection: with the runner's NODE_OPTIONS=--unhandled-rejections=warn (or none) that would only
// warn, and this process would go on serving the socket with nobody watching the runner, even
// after its death, and the runner would not start another.
void Promise.all([sweepRoot ? backgroundSweep(sweepRoot) : undefined, dir ? watchSession(dir) : undefined]).then(
  () => process.exit(0),
  () => process.exit(1),
);
