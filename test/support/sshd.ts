/**
 * A private SSH host in front of the suite's private engine (scripts/test-sshd.sh: Debian's
 * openssh-server on a loopback port, its own keys and config), so `DOCKER_HOST=ssh://…` is
 * tested for real. A process run with `pathPrefix` first on PATH gets an `ssh` that uses the
 * test's key and known_hosts; ~/.ssh is never read or written.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './engine.js';

const SCRIPT = join(REPO_ROOT, 'scripts/test-sshd.sh');

export interface TestSshd {
  /** `ssh://USER@127.0.0.1:PORT` */
  readonly host: string;
  /** A directory to put first on PATH: its `ssh` uses the test's key and known_hosts. */
  readonly pathPrefix: string;
  /** The sshd's directory: `client_ed25519` (the key it accepts), `ssh_config`, `known_hosts`. */
  readonly dir: string;
  /** The sshd sessions open now (one per SSH connection). */
  sessions(): number[];
  stop(): void;
}

/** Starts it; `engineSocket` is the path of the engine's unix socket its logins reach. */
export function startTestSshd(engineSocket: string): TestSshd {
  const dir = mkdtempSync(join(tmpdir(), 'dj-test-sshd-'));
  let out: string;
  try {
    out = execFileSync('bash', [SCRIPT, 'start', dir, engineSocket], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start the test sshd: ${(error as { stderr?: Buffer }).stderr?.toString() ?? String(error)}`);
  }
  const host = /^DOCKER_HOST=(\S+)$/m.exec(out)?.[1];
  const pathPrefix = /^PATH_PREFIX=(\S+)$/m.exec(out)?.[1];
  if (!host || !pathPrefix) throw new Error(`test-sshd printed no endpoint: ${out}`);
  const pidFile = join(dir, 'sshd.pid');
  return {
    host,
    pathPrefix,
    dir,
    sessions() {
      if (!existsSync(pidFile)) return [];
      const pid = readFileSync(pidFile, 'utf8').trim();
      try {
        return execFileSync('pgrep', ['-P', pid]).toString().split('\n').filter(Boolean).map(Number);
      } catch {
        return []; // pgrep exits 1 when there is none
      }
    },
    stop() {
      try {
        execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
