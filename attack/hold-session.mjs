// Opens a docker-janitor session (options as JSON in argv[2]), prints one JSON line with its id,
// dir, socket and watchdog pid, then waits: SIGUSR2 runs teardown and prints its result as JSON
// (warnings, removed, incomplete) and the time it took, then exits 0.
import { openSession } from '../dist/index.js';
const options = JSON.parse(process.argv[2] ?? '{}');
let session;
try {
  session = await openSession({ summary: false, sweepDeadSessions: false, ...options });
} catch (error) {
  console.log(JSON.stringify({ openSessionError: String(error?.message ?? error) }));
  process.exit(1);
}
const { execSync } = await import('node:child_process');
// HOLD_SIGNALS=1: the session's own SIGINT/SIGTERM/SIGHUP handling, as the Vitest and Jest setups install it.
if (process.env.HOLD_SIGNALS === '1') session.handleSignals();
let wd = '';
try { wd = execSync(`pgrep -P ${process.pid} -f watchdog || true`).toString().trim(); } catch {}
console.log(JSON.stringify({ id: session.id, dir: session.dir, socket: session.socket, warnings: session.warnings, env: session.env, watchdogPids: wd }));
process.on('SIGUSR2', async () => {
  const t = performance.now();
  const result = await session.teardown();
  const ms = Math.round(performance.now() - t);
  const names = (list) => (list ?? []).map((x) => x.name ?? x.id ?? x);
  console.log(JSON.stringify({ teardownMs: ms, incomplete: result.incomplete, warnings: result.warnings, removed: { containers: names(result.containers?.removed), networks: names(result.networks?.removed), volumes: names(result.volumes?.removed) }, failed: { containers: result.containers?.failed, volumes: result.volumes?.failed } }));
  process.exit(0);
});
setInterval(() => {}, 1 << 30);
