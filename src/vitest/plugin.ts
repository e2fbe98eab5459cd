/**
 * `dockerJanitor(options)`: the Vitest plugin. A plain Vite `config()` hook (Vitest 3.0 and
 * later; `configureVitest` only exists from 3.1) that adds docker-janitor's global setup and
 * hands it the options through `test.provide`. Options are validated here, so a bad one fails
 * when the config loads, naming the option, the value and what is allowed.
 */
import { fileURLToPath } from 'node:url';
import type {} from 'vitest';
import { janitorOptionsSchema, OptionsError, parseOptions, type JanitorOptionsInput } from '../options/schema.js';
import { OPTIONS_KEY } from './context.js';

declare module 'vitest' {
  interface ProvidedContext {
    /** docker-janitor's options (set by the plugin, read by its global setup). */
    'docker-janitor'?: JanitorOptionsInput;
  }
}

/** The built global setup next to this file. */
export const GLOBAL_SETUP = fileURLToPath(new URL('./global-setup.js', import.meta.url));

/** What `config()` adds to the user's config (Vite merges it in; arrays are concatenated). */
export interface DockerJanitorConfig {
  test: {
    globalSetup: string[];
    provide: { 'docker-janitor': JanitorOptionsInput };
  };
}

/** A Vite plugin object (structurally; docker-janitor does not depend on Vite's types). */
export interface DockerJanitorPlugin {
  readonly name: 'docker-janitor';
  config(): DockerJanitorConfig;
}

export function dockerJanitor(options: JanitorOptionsInput = {}): DockerJanitorPlugin {
  parseOptions(janitorOptionsSchema, options, 'dockerJanitor()');
  // A copy: `provide` values travel to the test workers, and the user's object stays theirs.
  const provided = cloneOptions(options);
  return {
    name: 'docker-janitor',
    config: () => ({ test: { globalSetup: [GLOBAL_SETUP], provide: { [OPTIONS_KEY]: provided } } }),
  };
}

/** `structuredClone`, with what it refuses (a function or symbol somewhere) named as an option error. */
function cloneOptions(options: JanitorOptionsInput): JanitorOptionsInput {
  try {
    return structuredClone(options);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const message = `Invalid dockerJanitor() options: (options): expected plain data (strings, numbers, booleans, arrays, objects): ${reason}`;
    throw new OptionsError(message, [{ path: '(options)', message: `expected plain data: ${reason}`, received: undefined }]);
  }
}
