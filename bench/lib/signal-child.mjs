/**
 * The signal path: a runner stand-in opens a session (dist/session/open.js, default options, so
 * the signal handlers are installed), starts N labelled containers (`sleep 3600`, ignores
 * SIGTERM), prints READY, and waits to be signalled. The bench sends SIGINT and times until the
 * process has exited (the handler cleans synchronously, then re-raises). Env: DOCKER_HOST,
 * DOCKER_JANITOR_STATE_DIR, DJ_BENCH_IMAGE, DJ_CHILD_CONTAINERS.
 */
import { execFileSync } from 'node:child_process';

const { openSession } = await import(new URL('../../dist/session/open.js', import.meta.url).href);
const session = await openSession({});
session.handleSignals();
const count = Number(process.env.DJ_CHILD_CONTAINERS ?? '1');
const image = process.env.DJ_BENCH_IMAGE ?? 'dj-bench-base:latest';
for (let i = 0; i < count; i++) {
  execFileSync('docker', ['run', '-d', '--label', `docker-janitor.session=${session.id}`, '--label', 'dj-bench=1', image, 'sleep', '3600'], { stdio: ['ignore', 'pipe', 'inherit'] });
}
process.stdout.write(`READY ${session.id}\n`);
setInterval(() => {}, 1_000);
