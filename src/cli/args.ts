/**
 * Pure command-line parsing: argv → a command and its option values, help, version, or a
 * usage error naming the option, the value given and what is allowed. Built on node's
 * `util.parseArgs` tokens so every message is ours.
 */
import { parseArgs as parseTokens } from 'node:util';
import type { OptionsError } from '../options/schema.js';

export interface OptionSpec {
  readonly type: 'boolean' | 'string';
  /** May be given several times; the values are collected in order. */
  readonly multiple?: boolean;
  readonly short?: string;
  /** Placeholder of the value in help, e.g. `DURATION`. */
  readonly value?: string;
  readonly description: string;
}

export interface CommandSpec {
  readonly name: string;
  /** Shown after the name in help, e.g. `[options]`. */
  readonly usage: string;
  readonly summary: string;
  /** Long option name (without `--`) → spec. `help` / `-h` is added to every command. */
  readonly options: Readonly<Record<string, OptionSpec>>;
}

export type OptionValues = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

export type ParsedArgs =
  | { readonly kind: 'help'; readonly command?: string }
  | { readonly kind: 'version' }
  | { readonly kind: 'run'; readonly command: string; readonly values: OptionValues }
  | { readonly kind: 'usage-error'; readonly message: string };

export function parseArgs(argv: readonly string[], commands: readonly CommandSpec[]): ParsedArgs {
  const names = commands.map((command) => command.name);
  const [first, ...rest] = argv;
  if (first === undefined) return usageError(`missing command; expected one of: ${names.join(', ')}`);
  if (first === '--help' || first === '-h') return { kind: 'help' };
  if (first === '--version' || first === '-v') return { kind: 'version' };
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) return { kind: 'help' };
    if (!names.includes(topic)) return usageError(`unknown command "${topic}"; expected one of: ${names.join(', ')}`);
    return { kind: 'help', command: topic };
  }
  if (first.startsWith('-')) {
    return usageError(`unknown option ${first} before the command; expected a command (${names.join(', ')}), --help or --version`);
  }
  const command = commands.find((candidate) => candidate.name === first);
  if (!command) return usageError(`unknown command "${first}"; expected one of: ${names.join(', ')}`);
  return parseCommand(command, rest);
}

function parseCommand(command: CommandSpec, argv: readonly string[]): ParsedArgs {
  const config: Record<string, { type: 'boolean' | 'string'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(command.options)) {
    config[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
  }
  const { tokens } = parseTokens({ args: [...argv], options: config, strict: false, allowPositionals: true, tokens: true });

  const values: Record<string, string | boolean | string[]> = {};
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      return usageError(`unexpected argument "${token.value}" for ${command.name}; it takes options only`);
    }
    if (token.name === 'help') return { kind: 'help', command: command.name };
    const spec = command.options[token.name];
    if (!spec) {
      return usageError(`unknown option ${token.rawName} for ${command.name}; allowed: ${allowedFlags(command)}`);
    }
    const flag = `--${token.name}`;
    if (spec.type === 'boolean') {
      if (token.value !== undefined) return usageError(`option ${flag} takes no value (got "${token.value}")`);
      values[token.name] = true;
      continue;
    }
    // Without strict mode parseArgs takes the next argument as the value even when it is an
    // option (`--older-than --json`): that is a missing value, as is an empty one.
    // A negative number (`--timeout -1`) is a value, not an option: the schema names it and the range.
    if (token.value === undefined || token.value === '' || (!token.inlineValue && token.value.startsWith('-') && !/^-\d/.test(token.value))) {
      return usageError(`option ${flag} needs a value (${spec.value ?? 'VALUE'})`);
    }
    if (spec.multiple) {
      const list = values[token.name];
      values[token.name] = Array.isArray(list) ? [...list, token.value] : [token.value];
    } else {
      if (values[token.name] !== undefined) {
        return usageError(`option ${flag} given more than once ("${String(values[token.name])}", then "${token.value}")`);
      }
      values[token.name] = token.value;
    }
  }
  return { kind: 'run', command: command.name, values };
}

/**
 * Turn a schema error into one usage line naming the flag, the value given and what is
 * allowed. `flags` maps option paths (`olderThan`, `docker.timeoutMs`) to flags; `allowed`
 * replaces the schema's wording for flags whose values the CLI converts first.
 */
export function usageFromOptionsError(
  error: OptionsError,
  flags: Readonly<Record<string, string>>,
  allowed: Readonly<Record<string, string>> = {},
  typed: OptionValues = {},
): string {
  const messages = error.issues.map((issue) => {
    const path = issue.path.replace(/\.\d+$/, '');
    const flag = flags[issue.path] ?? flags[path] ?? issue.path;
    // The text as typed (a number converted first would be quoted as JavaScript prints it).
    const text = typed[flag.replace(/^--/, '')];
    const received = typeof text === 'string' ? text : typeof issue.received === 'number' ? String(issue.received) : issue.received;
    const given = received === undefined ? '' : ` ${JSON.stringify(received)}`;
    return `invalid value${given} for ${flag}: ${allowed[flag] ?? issue.message}`;
  });
  // One value can break several rules (not a safe integer, and too large): said once.
  return [...new Set(messages)].join('; ');
}

function allowedFlags(command: CommandSpec): string {
  return [...Object.keys(command.options), 'help'].map((name) => `--${name}`).join(', ');
}

function usageError(message: string): ParsedArgs {
  return { kind: 'usage-error', message };
}
