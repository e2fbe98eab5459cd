/** The help text, rendered from the command table. Pure: returns a string. */
import type { CommandSpec } from './args.js';

const NAME = 'docker-janitor';

export function renderHelp(commands: readonly CommandSpec[], version: string, only?: string): string {
  const shown = only ? commands.filter((command) => command.name === only) : commands;
  const lines = [`${NAME} ${version}: safe Docker cleanup around test runs`, '', 'Usage:'];
  const usages = [
    ...commands.map((command) => [`${NAME} ${command.name} ${command.usage}`, command.summary] as const),
    [`${NAME} help [command]`, 'Show this help'] as const,
    [`${NAME} --version`, 'Print the version'] as const,
  ];
  lines.push(...table(usages));

  for (const command of shown) {
    lines.push('', `Options of ${command.name}:`);
    const rows = Object.entries(command.options).map(
      ([name, spec]) => [`${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` ${spec.value}` : ''}`, spec.description] as const,
    );
    rows.push(['-h, --help', 'Show this help'] as const);
    lines.push(...table(rows));
  }

  if (shown.some((command) => command.name === 'clean')) {
    lines.push(
      '',
      'clean never passes --force, and never removes an image that any container uses (running,',
      'stopped or created), a tagged image, or an untagged image with a repository digest (unless',
      '--remove-digested). Docker\'s own conflict answer stays the last guard.',
    );
  }

  lines.push(
    '',
    'Exit codes:',
    ...table([
      ['0', 'nothing failed (images skipped for safety are not failures)'],
      ['1', 'an image could not be removed for an unexpected reason, or a docker command failed'],
      ['2', 'bad usage: unknown command or option, or an invalid value'],
      ['3', 'Docker is not installed, or the engine is not reachable, does not answer within the timeout, or answers a listing with HTTP 5xx'],
    ]),
    '',
    'Environment: DOCKER_HOST, DOCKER_CONTEXT, DOCKER_JANITOR_DOCKER_PATH; NO_COLOR turns colours off;',
    'GITHUB_STEP_SUMMARY gets a job summary section (clean, sweep); CI, NO_COLOR and TERM=dumb turn the',
    'progress line off; DOCKER_JANITOR_STATE_DIR holds the session records (sweep, sessions); default',
    '$XDG_STATE_HOME/docker-janitor, else $TMPDIR/docker-janitor-<uid>, private to you (0700, checked).',
  );
  return lines.join('\n');
}

function table(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}
