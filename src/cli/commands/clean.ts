/** `docker-janitor clean`: the safe image cleaner, from the command line. */
import { cleanImages } from '../../cleaner/clean.js';
import { engineFromOptions } from '../../docker/create.js';
import { OptionsError } from '../../options/errors.js';
import type { ImageCleanOptions, ImageCleanOptionsInput } from '../../options/schema.js';
import { simpleImageCleanOptions } from '../../options/simple.js';
import { colorEnabled } from '../../render/colors.js';
import { renderCleanSummary } from '../../render/summary.js';
import { usageFromOptionsError, type CommandSpec, type OptionValues } from '../args.js';
import { EXIT, UsageError, type CliIO, type Command } from '../command.js';
import { observeEngineCleanup } from '../progress.js';
import { dockerFlagAllowed, dockerFlagNames, dockerFlagSpecs, toDockerInput } from './docker-flags.js';
import { publish, publishFlagSpecs, startProgress, toPublishOptions } from './publish-flags.js';

export const cleanSpec: CommandSpec = {
  name: 'clean',
  usage: '[options]',
  summary: 'Remove unused dangling (<none>) images safely, never forced',
  options: {
    'dry-run': { type: 'boolean', description: 'Plan and print what would be removed; remove nothing' },
    json: { type: 'boolean', description: 'Print the result as JSON on stdout (and nothing else there)' },
    'older-than': {
      type: 'string',
      value: 'DURATION',
      description: 'Only images created more than DURATION ago (90s, 30m, 1h, 7d, 1h30m)',
    },
    label: { type: 'string', multiple: true, value: 'K[=V]', description: 'Only images with this label; repeat to require several' },
    'exclude-label': { type: 'string', multiple: true, value: 'K[=V]', description: 'Never images with this label; repeatable' },
    'remove-digested': {
      type: 'boolean',
      description: 'Also remove untagged images that keep a repository digest (pulled by digest)',
    },
    ...dockerFlagSpecs,
    ...publishFlagSpecs,
  },
};

/** Option paths of the schema → the flags that set them, for usage errors. */
const FLAGS: Readonly<Record<string, string>> = {
  dryRun: '--dry-run',
  olderThan: '--older-than',
  labels: '--label',
  excludeLabels: '--exclude-label',
  removeDigested: '--remove-digested',
  ...dockerFlagNames,
};

/** Parsed flags → what the options schema takes. Pure; the schema does the validation. */
export function toCleanOptionsInput(values: OptionValues): ImageCleanOptionsInput {
  const string = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const list = (name: string) => (Array.isArray(values[name]) ? [...(values[name] as readonly string[])] : []);
  const docker = toDockerInput(values);
  const input: ImageCleanOptionsInput = {
    dryRun: values['dry-run'] === true,
    labels: list('label'),
    excludeLabels: list('exclude-label'),
    removeDigested: values['remove-digested'] === true,
    docker,
  };
  const olderThan = string('older-than');
  if (olderThan !== undefined) input.olderThan = olderThan;
  return input;
}

/** The flags as options: plainly valid ones without zod, else checked by the schema (loaded then). */
async function cleanOptions(values: OptionValues): Promise<ImageCleanOptions> {
  const input = toCleanOptionsInput(values);
  const simple = simpleImageCleanOptions(input);
  if (simple) return simple;
  const { imageCleanOptionsSchema, parseOptions } = await import('../../options/schema.js');
  try {
    return parseOptions(imageCleanOptionsSchema, input);
  } catch (error) {
    if (error instanceof OptionsError) throw new UsageError(usageFromOptionsError(error, FLAGS, dockerFlagAllowed, values));
    throw error;
  }
}

export const cleanCommand: Command = {
  spec: cleanSpec,
  async run(values, io: CliIO) {
    const options = await cleanOptions(values);
    const { engine } = engineFromOptions({ ...options.docker, env: io.env });
    const publishOptions = await toPublishOptions(values);
    const progress = startProgress(io, values, options.dryRun ? 'Planning' : 'Removing images');
    let result;
    try {
      result = await cleanImages(observeEngineCleanup(engine, (event) => progress.update(event)), options);
    } finally {
      progress.done();
      engine.close();
    }
    if (values.json === true) {
      io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      io.stdout.write(`${renderCleanSummary(result, { color: colorEnabled({ env: io.env, isTTY: io.isTTY }) })}\n`);
    }
    publish(io, { kind: 'clean', result }, publishOptions);
    // Docker stopped answering mid-clean and did not come back: "Docker unavailable", as at the start.
    if ((result.unknown?.length ?? 0) > 0) return EXIT.docker;
    return result.failed.length > 0 ? EXIT.failed : EXIT.ok;
  },
};
