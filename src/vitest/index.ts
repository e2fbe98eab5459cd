/** `docker-janitor/vitest`: the Vitest plugin and its options' type. */
export { dockerJanitor, type DockerJanitorConfig, type DockerJanitorPlugin } from './plugin.js';
export type { JanitorOptionsInput as DockerJanitorOptions } from '../options/schema.js';
