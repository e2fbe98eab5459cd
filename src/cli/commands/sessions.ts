/**
 * `docker-janitor sessions`: list the test sessions recorded on this machine, their state
 * (running, dead, kept, closed), runner pid, age, and what each still holds on its engine.
 * Read-only; `sweep --session ID` removes one.
 */
import { colorEnabled } from '../../render/colors.js';
import { renderSessions } from '../../render/sessions.js';
import { listSessions } from '../../session/inventory.js';
import { stateRoot } from '../../session/store.js';
import type { CommandSpec } from '../args.js';
import { EXIT, type Command } from '../command.js';

export const sessionsSpec: CommandSpec = {
  name: 'sessions',
  usage: '[--json]',
  summary: 'List the test sessions recorded here and what each still holds (read-only)',
  options: {
    json: { type: 'boolean', description: 'Print the sessions as JSON on stdout (and nothing else there)' },
  },
};

export const sessionsCommand: Command = {
  spec: sessionsSpec,
  async run(values, io) {
    const root = stateRoot(io.env);
    // Warnings go to stderr, so that --json keeps stdout valid.
    const sessions = await listSessions(root, { env: io.env, onWarning: (line) => io.stderr.write(`⚠ ${line}\n`) });
    if (values.json === true) {
      const json = sessions.map((session) => ({ ...session, startedAt: new Date(session.startedAt).toISOString() }));
      io.stdout.write(`${JSON.stringify({ stateDir: root, sessions: json }, null, 2)}\n`);
    } else {
      io.stdout.write(`${renderSessions(sessions, { color: colorEnabled({ env: io.env, isTTY: io.isTTY }), stateDir: root, now: Date.now() })}\n`);
    }
    if (sessions.length > 0 && sessions.every((s) => s.errorCode === 'DOCKER_UNREACHABLE' || s.errorCode === 'DOCKER_NOT_INSTALLED')) return EXIT.docker;
    return sessions.some((s) => s.error !== undefined) ? EXIT.failed : EXIT.ok;
  },
};
