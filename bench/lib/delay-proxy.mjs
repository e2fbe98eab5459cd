/**
 * A TCP proxy on loopback that delays every byte by half the round-trip time in each direction:
 * a remote host, seen from here, where `tc netem` is not available (this machine's kernel has no
 * sch_netem). Order is kept (equal delays fire in order); ends and resets are delayed too.
 *
 *   node bench/lib/delay-proxy.mjs TARGET_PORT RTT_MS   # prints the port it listens on
 *
 * Listens on 127.0.0.1 only and forwards to 127.0.0.1:TARGET_PORT only. Ends when stdin closes.
 */
import { createConnection, createServer } from 'node:net';

const [target, rtt] = process.argv.slice(2).map(Number);
const oneWay = rtt / 2;

/** Writes `from`'s bytes to `to` oneWay ms later. */
function delayed(from, to) {
  from.on('data', (data) => setTimeout(() => to.destroyed || to.write(data), oneWay));
  from.on('end', () => setTimeout(() => to.destroyed || to.end(), oneWay));
  from.on('error', () => setTimeout(() => to.destroy(), oneWay));
  from.on('close', () => setTimeout(() => to.destroy(), oneWay + 1));
}

const server = createServer({ allowHalfOpen: true }, (client) => {
  client.setNoDelay(true);
  const upstream = createConnection({ host: '127.0.0.1', port: target, allowHalfOpen: true });
  upstream.setNoDelay(true);
  delayed(client, upstream);
  delayed(upstream, client);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
