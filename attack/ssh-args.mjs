// Prints the ssh argv docker-janitor's socket builds for each DOCKER_HOST given, next to what
// the docker CLI on this machine passes to ssh for the same value (a fake ssh on PATH logs it).
import { sshDialStdioCommand } from '../dist/socket/upstream.js';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
const log = '/tmp/attack3-fake-ssh.log';
for (const url of process.argv.slice(2)) {
  console.log(`==== DOCKER_HOST=${JSON.stringify(url)}`);
  const ours = sshDialStdioCommand(url);
  console.log('docker-janitor:', ours ? JSON.stringify(ours.args) : 'refused (undefined)');
  rmSync(log, { force: true });
  let out = '';
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { env: { ...process.env, PATH: `${new URL('./fakebin', import.meta.url).pathname}:${process.env.PATH}`, DOCKER_HOST: url, DOCKER_CONTEXT: '', FAKE_SSH_LOG: log }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 20000 });
  } catch (e) { out = String(e.stderr).trim().split('\n').slice(-1)[0]; }
  let argv = [];
  try { argv = readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith('[')).map((l) => l.slice(1, -1)); } catch {}
  console.log('docker CLI    :', argv.length ? JSON.stringify(argv) : `no ssh run; ${out}`);
}
