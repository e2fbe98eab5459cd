/**
 * One runner's end of a run with nothing to clean, in a fresh Node process, as the Vitest and
 * Jest adapters do it: openRun() (session opened, environment exported), then, once the
 * watchdog serves the socket and sits idle, finishRun() (the rendering and publishing modules
 * loaded, the first time in the process, then teardown). Prints one JSON line
 * {"finishMs": …}. argv[2]: "on" or "off" (the session socket). Env: the bench's engine and state.
 */
const socket = process.argv[2] === 'on';
const { openRun, finishRun } = await import(new URL('../../dist/runner/lifecycle.js', import.meta.url).href);
const { waitUntilServing } = await import(new URL('../../dist/socket/ready.js', import.meta.url).href);
const run = await openRun({ socket, signals: false, sweepDeadSessions: false }, 'bench');
if (run.openError) throw new Error(run.openError);
if (socket) {
  const ping = await waitUntilServing(run.session.socket, { timeoutMs: 20_000 });
  if (!ping.ok) throw new Error(`the socket did not serve: ${ping.reason}`);
}
await new Promise((resolve) => setTimeout(resolve, 500));
const started = performance.now();
await finishRun(run, { failed: false, color: false, env: {} });
process.stdout.write(`${JSON.stringify({ finishMs: performance.now() - started })}\n`);
