/**
 * `docker-janitor sessions`: list the test sessions recorded on this machine, their state
 * (running, dead, kept, closed), runner pid, age, and what each still holds on its engine.
 * Read-only; `sweep --session ID` removes one. Each session's engine is asked with `--timeout`
 * (default: the session's recorded timeout, at most 10 s): one that does not answer shows its
 * holdings as unknown with the reason; exit 3 when no engine answered.
 */
import { colorEnabled } from '../../render/colors.js';
import { renderSessions } from '../../render/sessions.js';
import { listSessions } from '../../session/inventory.js';
import { stateRoot } from '../../session/store.js';
import type { CommandSpec } from '../args.js';
import { EXIT, type Command } from '../command.js';
import { dockerFlagSpecs, dockerOptionsFromFlags } from './docker-flags.js';

export const sessionsSpec: CommandSpec = {
  name: 'sessions',
  usage: '[options]',
  summary: 'List the test sessions recorded here and what each still holds (read-only)',
  options: {
    json: { type: 'boolean', description: 'Print the sessions as JSON on stdout (and nothing else there)' },
    // Each session is asked on the engine it recorded: no --host, --context or --transport here.
    'docker-path': dockerFlagSpecs['docker-path'] as NonNullable<(typeof dockerFlagSpecs)['docker-path']>,
    timeout: {
      type: 'string',
      value: 'MS',
      description: "Timeout of each call to a session's engine, in milliseconds (default: the session's, at most 10000)",
    },
  },
};


export const sessionsCommand: Command = {
  spec: sessionsSpec,
  async run(values, io) {
    const docker = await dockerOptionsFromFlags(values);
    const root = stateRoot(io.env);
    // Warnings go to stderr, so that --json keeps stdout valid.
    const sessions = await listSessions(root, {
      env: io.env,
      onWarning: (line) => io.stderr.write(`⚠ ${line}\n`),
      // Only when given: the schema's default (60 s) is not a choice, the session's timeout is.
      ...(values.timeout !== undefined ? { timeoutMs: docker.timeoutMs } : {}),
      ...(docker.path !== undefined ? { dockerPath: docker.path } : {}),
    });
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
