/**
 * The signal cleaner's waiter: `node clean-wait.js --wait-ms N`, run synchronously by a signal
 * handler (`cleanNowSync` in session/processes.ts) in the runner's own process group, with the
 * read end of the detached signal cleaner's stdout as its fd 3.
 *
 * A process blocked in a synchronous call handles no signal of its own; this one does, for it:
 * it exits with the cleaner's code once the cleaner says it (its last line, then end of file),
 * with CLEAN_WAIT_EXIT.signal on another SIGINT, SIGTERM or SIGHUP (a second Ctrl+C reaches the
 * whole group), and with CLEAN_WAIT_EXIT.bound after N ms. The cleaner is not its child and goes
 * on either way.
 */
import { Socket } from 'node:net';
import { CLEAN_NOW_EXIT, CLEAN_WAIT_EXIT } from '../session/processes.js';

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => process.exit(CLEAN_WAIT_EXIT.signal));

const index = process.argv.indexOf('--wait-ms');
const waitMs = index === -1 ? NaN : Number(process.argv[index + 1]);
setTimeout(() => process.exit(CLEAN_WAIT_EXIT.bound), Number.isFinite(waitMs) && waitMs > 0 ? waitMs : 0);

let said = '';
const codes: readonly number[] = Object.values(CLEAN_NOW_EXIT);
const ended = () => {
  const code = Number(said.trim().split('\n').pop());
  // Nothing said (killed, crashed): whatever it did, not everything is known to be gone.
  process.exit(said.trim() !== '' && codes.includes(code) ? code : CLEAN_NOW_EXIT.incomplete);
};
try {
  const cleaner = new Socket({ fd: 3, readable: true, writable: false });
  cleaner.setEncoding('utf8');
  cleaner.on('data', (chunk: string) => (said += chunk));
  cleaner.on('end', ended);
  cleaner.on('error', ended);
} catch {
  ended();
}
