// attack6's holder: like hold-session.mjs, with hooks timed inside the runner process.
//   argv[2]: options JSON.  Env:
//   A6_DIST=/path/to/dist      the package under test (default: this worktree's dist)
//   A6_BEFORE='shell cmd'      run (synchronously) after the package is loaded, before openSession
//   A6_CREATE=1                at once after openSession returns, a raw container create through the socket
//   A6_CREATE_SOCKET=path      ... through this unix socket instead (the engine's own: an unlabelled container)
//   A6_CREATE_IMAGE=img        its image (default attack3-bb)
//   A6_KILL_AFTER_MS=N         SIGKILL itself N ms after openSession returned
//   A6_TEARDOWN_AFTER_MS=N     teardown N ms after openSession returned, print the result, exit 0
//   A6_PING=1                  GET /_ping through the socket at once after setup (when does it serve?)
//   A6_WD_NODE_OPTIONS=...     NODE_OPTIONS set in process.env before setup: only the watchdog gets it
//   HOLD_SIGNALS=1             session.handleSignals()
// Prints one JSON line at open ({id, dir, socket, watchdogPid, openMs}), then one per event.
import { execSync } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
const dist = process.env.A6_DIST ?? fileURLToPath(new URL('../dist', import.meta.url));
const { openSession } = await import(pathToFileURL(`${dist}/index.js`).href);
if (process.env.A6_BEFORE) execSync(process.env.A6_BEFORE, { stdio: 'inherit' });
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
// A6_WD_NODE_OPTIONS: set in this process's environment before setup (as a runner config could), so only the watchdog starts with it.
if (process.env.A6_WD_NODE_OPTIONS !== undefined) process.env.NODE_OPTIONS = process.env.A6_WD_NODE_OPTIONS;
const options = JSON.parse(process.argv[2] ?? '{}');
let session;
const t0 = performance.now();
try {
  session = await openSession({ summary: false, sweepDeadSessions: false, ...options });
} catch (error) {
  say({ openSessionError: String(error?.message ?? error) });
  process.exit(1);
}
const opened = performance.now();
if (process.env.HOLD_SIGNALS === '1') session.handleSignals();
// First, before any hook: the shell reads it (the watchdog's pid: pgrep -f "watchdog/main.cjs.*STATE").
say({ id: session.id, dir: session.dir, socket: session.socket, warnings: session.warnings, openMs: Math.round(opened - t0) });
const at = () => Math.round(performance.now() - opened);
// A6_AT_MS=N A6_AT_CMD='shell cmd': run it (not waited for) N ms after setup.
if (process.env.A6_AT_CMD) setTimeout(() => (import('node:child_process').then(({ exec }) => exec(process.env.A6_AT_CMD))), Number(process.env.A6_AT_MS ?? 0));
if (process.env.A6_KILL_AFTER_MS) setTimeout(() => process.kill(process.pid, 'SIGKILL'), Number(process.env.A6_KILL_AFTER_MS));
const createSocket = process.env.A6_CREATE_SOCKET ?? session.socket;
const create = () => {
  const body = JSON.stringify({ Image: process.env.A6_CREATE_IMAGE ?? 'attack3-bb', Cmd: ['sleep', '300'], Labels: { a6: 'made' } });
  const req = http.request({ socketPath: createSocket, path: '/v1.41/containers/create', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
    let data = '';
    res.on('data', (c) => (data += c));
    res.on('end', () => say({ create: res.statusCode, atMs: at(), body: data.slice(0, 200) }));
  });
  req.on('error', (e) => say({ createError: e.code ?? String(e), atMs: at() }));
  req.end(body);
};
// A6_CREATE_AFTER_MS=N: the create N ms after setup instead of at once.
if (process.env.A6_CREATE === '1' && createSocket) {
  if (process.env.A6_CREATE_AFTER_MS) setTimeout(create, Number(process.env.A6_CREATE_AFTER_MS));
  else create();
}
// A6_PING=1: GET /_ping through the socket at once after setup; its answer's time says when the watchdog served.
if (process.env.A6_PING === '1' && session.socket) {
  const req = http.get({ socketPath: session.socket, path: '/_ping' }, (res) => { res.resume(); res.on('end', () => say({ ping: res.statusCode, atMs: at() })); });
  req.on('error', (e) => say({ pingError: e.code ?? String(e), atMs: at() }));
}
const teardown = async () => {
  const t = performance.now();
  const result = await session.teardown();
  const names = (list) => (list ?? []).map((x) => x.name ?? x.id ?? x);
  say({ teardownMs: Math.round(performance.now() - t), startedAtMs: Math.round(t - opened), incomplete: result.incomplete, warnings: result.warnings, removed: { containers: names(result.containers?.removed), networks: names(result.networks?.removed), volumes: names(result.volumes?.removed) } });
  process.exit(0);
};
if (process.env.A6_TEARDOWN_AFTER_MS) setTimeout(teardown, Number(process.env.A6_TEARDOWN_AFTER_MS));
process.on('SIGUSR2', teardown);
setInterval(() => {}, 1 << 30);
