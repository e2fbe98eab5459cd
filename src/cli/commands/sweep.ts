/**
 * `docker-janitor sweep`: remove what test runs left behind when they died. With `--session ID`,
 * that session's objects (its label, and its tracked IDs when recorded on this machine); without,
 * every session recorded here whose runner process is dead, kept ones included.
 */
import { existsSync } from 'node:fs';
import { engineFromOptions } from '../../docker/create.js';
import { colorEnabled } from '../../render/colors.js';
import { renderSweepSummary } from '../../render/summary.js';
import { checkStateRoot, readSessionRecordChecked, sessionDir, stateRoot } from '../../session/store.js';
import { sweepDeadSessions, sweepSession, type SweepReport, type SweptSession } from '../../session/sweep.js';
import type { CommandSpec } from '../args.js';
import { EXIT, UsageError, type Command } from '../command.js';
import { countObjectRemovals } from '../progress.js';
import { dockerFlagSpecs, dockerOptionsFromFlags } from './docker-flags.js';
import { publish, publishFlagSpecs, startProgress, toPublishOptions } from './publish-flags.js';

export const sweepSpec: CommandSpec = {
  name: 'sweep',
  usage: '[options]',
  summary: 'Remove what test runs that died left behind (containers, networks, volumes)',
  options: {
    session: {
      type: 'string',
      value: 'ID',
      description: 'Only this session (its label, and its tracked IDs when recorded here), even if its runner looks alive',
    },
    'dry-run': { type: 'boolean', description: 'List what would be removed; remove nothing' },
    json: { type: 'boolean', description: 'Print the result as JSON on stdout (and nothing else there)' },
    ...dockerFlagSpecs,
    ...publishFlagSpecs,
  },
};

const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Flags that choose an engine: meaningful for one session only (dead sessions use their recorded engine). */
const ENGINE_FLAGS = ['host', 'context', 'transport'] as const;

export const sweepCommand: Command = {
  spec: sweepSpec,
  async run(values, io) {
    const dryRun = values['dry-run'] === true;
    const id = typeof values.session === 'string' ? values.session : undefined;
    if (id !== undefined && !SESSION_ID.test(id)) {
      throw new UsageError(`invalid value ${JSON.stringify(id)} for --session: expected a session id such as mwwv8wx1-4451b600`);
    }
    const ignored = ENGINE_FLAGS.filter((flag) => values[flag] !== undefined);
    if (id === undefined && ignored.length > 0) {
      throw new UsageError(
        `${ignored.map((flag) => `--${flag}`).join(', ')} only with --session ID: without it, each dead session is swept on the engine it recorded`,
      );
    }
    const docker = await dockerOptionsFromFlags(values);
    const publishOptions = await toPublishOptions(values);
    const root = stateRoot(io.env);
    const progress = startProgress(io, values, dryRun ? 'Listing' : 'Removing');
    const observers = countObjectRemovals((event) => progress.update(event));
    let report: SweepReport;
    try {
      if (id !== undefined) {
        const { engine } = engineFromOptions({ ...docker, env: io.env, ...observers });
        // The record's tracked IDs are used only when its directory passes the safety checks.
        const dir = sessionDir(root, id);
        const recorded = existsSync(dir) && checkStateRoot(root).ok && readSessionRecordChecked(dir).ok;
        const warnings = existsSync(dir) && !recorded ? [`Ignored the record of session ${id}: it failed the safety checks`] : [];
        try {
          report = { sessions: [await sweepSession(engine, id, recorded ? dir : undefined, { dryRun })], warnings };
        } finally {
          engine.close();
        }
      } else {
        // Each dead session is swept on the engine it recorded, with this process's docker CLI.
        report = await sweepDeadSessions(root, {
          env: io.env,
          dryRun,
          includeKept: true,
          dockerPath: docker.path,
          ...observers,
          ...(typeof values.timeout === 'string' ? { timeoutMs: docker.timeoutMs } : {}),
        });
      }
    } finally {
      progress.done();
    }
    const swept = report.sessions;

    if (values.json === true) io.stdout.write(`${JSON.stringify({ dryRun, sessions: swept, warnings: report.warnings }, null, 2)}\n`);
    else io.stdout.write(`${renderSweepSummary(report, { color: colorEnabled({ env: io.env, isTTY: io.isTTY }), dryRun })}\n`);

    publish(io, { kind: 'sweep', sessions: swept, dryRun }, publishOptions);

    // An engine that does not answer (refused, or hung past the timeout) is "Docker unavailable": 3, as for clean.
    // So is an engine that stopped answering part-way (removals with no answer in time, or not sent).
    const stopped = (item: SweptSession) =>
      [item.report?.containers, item.report?.networks, item.report?.volumes].some((outcomes) => outcomes?.failed.some((failed) => failed.noAnswer || failed.notSent));
    if (swept.some((item) => item.errorCode === 'DOCKER_UNREACHABLE' || item.errorCode === 'DOCKER_NOT_INSTALLED' || item.timedOut === true || stopped(item))) return EXIT.docker;
    const failed = swept.some(
      (item) => item.error !== undefined || (item.report && item.report.containers.failed.length + item.report.networks.failed.length + item.report.volumes.failed.length > 0),
    );
    return failed ? EXIT.failed : EXIT.ok;
  },
};
