import { describe, expect, it } from 'vitest';
import { parseArgs, usageFromOptionsError } from '../../../src/cli/args.js';
import { cleanSpec, toCleanOptionsInput } from '../../../src/cli/commands/clean.js';
import { imageCleanOptionsSchema, OptionsError, parseOptions } from '../../../src/options/schema.js';

const specs = [cleanSpec];
const parse = (...argv: string[]) => parseArgs(argv, specs);

describe('parseArgs', () => {
  it('parses clean with every option', () => {
    expect(
      parse(
        'clean',
        '--dry-run',
        '--json',
        '--older-than',
        '1h30m',
        '--label',
        'a=1',
        '--label=b',
        '--exclude-label',
        'keep',
        '--remove-digested',
        '--docker-path',
        '/usr/bin/docker',
        '--host=unix:///x.sock',
        '--context',
        'colima',
        '--timeout',
        '5000',
      ),
    ).toEqual({
      kind: 'run',
      command: 'clean',
      values: {
        'dry-run': true,
        json: true,
        'older-than': '1h30m',
        label: ['a=1', 'b'],
        'exclude-label': ['keep'],
        'remove-digested': true,
        'docker-path': '/usr/bin/docker',
        host: 'unix:///x.sock',
        context: 'colima',
        timeout: '5000',
      },
    });
  });

  it('parses a bare clean', () => {
    expect(parse('clean')).toEqual({ kind: 'run', command: 'clean', values: {} });
  });

  it('recognises help and version in every spelling', () => {
    expect(parse('--help')).toEqual({ kind: 'help' });
    expect(parse('-h')).toEqual({ kind: 'help' });
    expect(parse('help')).toEqual({ kind: 'help' });
    expect(parse('help', 'clean')).toEqual({ kind: 'help', command: 'clean' });
    expect(parse('clean', '--help')).toEqual({ kind: 'help', command: 'clean' });
    expect(parse('clean', '--dry-run', '-h')).toEqual({ kind: 'help', command: 'clean' });
    expect(parse('--version')).toEqual({ kind: 'version' });
    expect(parse('-v')).toEqual({ kind: 'version' });
  });

  it.each([
    [[], 'missing command; expected one of: clean'],
    [['clena'], 'unknown command "clena"; expected one of: clean'],
    [['help', 'sweeep'], 'unknown command "sweeep"; expected one of: clean'],
    [['--dry-run', 'clean'], 'unknown option --dry-run before the command; expected a command (clean), --help or --version'],
    [['clean', '--force'], 'unknown option --force for clean; allowed: --dry-run, --json, --older-than, --label, --exclude-label, --remove-digested, --docker-path, --host, --context, --timeout, --transport, --report-file, --no-job-summary, --help'],
    [['clean', '-f'], 'unknown option -f for clean; allowed: --dry-run, --json, --older-than, --label, --exclude-label, --remove-digested, --docker-path, --host, --context, --timeout, --transport, --report-file, --no-job-summary, --help'],
    [['clean', 'now'], 'unexpected argument "now" for clean; it takes options only'],
    [['clean', '--', 'x'], 'unexpected argument "x" for clean; it takes options only'],
    [['clean', '--older-than'], 'option --older-than needs a value (DURATION)'],
    [['clean', '--older-than', '--json'], 'option --older-than needs a value (DURATION)'],
    [['clean', '--label'], 'option --label needs a value (K[=V])'],
    [['clean', '--dry-run=no'], 'option --dry-run takes no value (got "no")'],
    [['clean', '--older-than', '1h', '--older-than', '2h'], 'option --older-than given more than once ("1h", then "2h")'],
  ])('%j is a usage error', (argv, message) => {
    expect(parseArgs(argv, specs)).toEqual({ kind: 'usage-error', message });
  });
});

describe('toCleanOptionsInput + the options schema', () => {
  const options = (...argv: string[]) => {
    const parsed = parse('clean', ...argv);
    if (parsed.kind !== 'run') throw new Error(`not a run: ${JSON.stringify(parsed)}`);
    return parseOptions(imageCleanOptionsSchema, toCleanOptionsInput(parsed.values));
  };
  const usage = (...argv: string[]) => {
    try {
      options(...argv);
    } catch (error) {
      if (error instanceof OptionsError) {
        return usageFromOptionsError(error, {
          olderThan: '--older-than',
          labels: '--label',
          excludeLabels: '--exclude-label',
          'docker.timeoutMs': '--timeout',
        });
      }
      throw error;
    }
    throw new Error('expected an options error');
  };

  it('gives the defaults for a bare clean', () => {
    expect(options()).toEqual({
      dryRun: false,
      labels: [],
      excludeLabels: [],
      removeDigested: false,
      docker: { timeoutMs: 60_000, transport: 'auto' },
    });
  });

  it('maps every flag to its option', () => {
    expect(
      options('--dry-run', '--older-than', '2h', '--label', 'a=1', '--exclude-label', 'b', '--remove-digested', '--docker-path', '/d', '--host', 'tcp://h:2375', '--context', 'c', '--timeout', '1500'),
    ).toEqual({
      dryRun: true,
      olderThan: 7200,
      labels: ['a=1'],
      excludeLabels: ['b'],
      removeDigested: true,
      docker: { path: '/d', host: 'tcp://h:2375', context: 'c', timeoutMs: 1500, transport: 'auto' },
    });
  });

  it('names the flag, the value and what is allowed', () => {
    expect(usage('--older-than', 'soon')).toBe(
      'invalid value "soon" for --older-than: expected a duration such as 90s, 30m, 1h, 7d or 1h30m',
    );
    expect(usage('--label', 'ok', '--label', '=v')).toBe('invalid value "=v" for --label: expected KEY or KEY=VALUE');
    expect(usage('--exclude-label', 'a b')).toBe('invalid value "a b" for --exclude-label: expected KEY or KEY=VALUE');
    expect(usage('--timeout', '0')).toMatch(/^invalid value "0" for --timeout: /);
    expect(usage('--timeout', '1.5s')).toMatch(/^invalid value "1.5s" for --timeout: /);
  });

  it('a value that breaks two rules is said once, quoted as typed', () => {
    const error = new OptionsError('x', [
      { path: 'docker.timeoutMs', message: 'too big', received: 1e20 },
      { path: 'docker.timeoutMs', message: 'too big', received: 1e20 },
    ]);
    expect(usageFromOptionsError(error, { 'docker.timeoutMs': '--timeout' })).toBe('invalid value "100000000000000000000" for --timeout: too big');
    expect(usageFromOptionsError(error, { 'docker.timeoutMs': '--timeout' }, {}, { timeout: '99999999999999999999' })).toBe(
      'invalid value "99999999999999999999" for --timeout: too big',
    );
  });
});
