#!/usr/bin/env node
/**
 * Part of `npm run build`, after tsc: bundles the watchdog's serve path (dist/watchdog/main.js,
 * tsc's output) into one CommonJS file, dist/watchdog/main.cjs, the script setup spawns.
 *
 * Why: the tests' first docker calls wait in the session socket's queue until the watchdog, a
 * new Node process, serves it (issue 8: at most 100 ms after setup). Unbundled, Node's ESM
 * loader spent about 1 ms per module on the watchdog's 47 modules, after Node's own start; a
 * CommonJS entry also starts without the ESM loader (bench/setup.mjs, docs/socket-benchmark.md).
 *
 * - The bundle holds only what serving needs. `import('./engine-modules.js')` (the sweeps, the
 *   engine; execa only for a docker CLI engine), which main.ts runs once the socket serves, stays
 *   an import of the modules as tsc built them.
 * - The input is tsc's output, so the bundle is the same code the tests and the library run.
 */
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../dist');
const entry = join(dist, 'watchdog/main.js');
const outfile = join(dist, 'watchdog/main.cjs');
/** The one import left as it is: what main.ts loads once the socket serves. */
const LATER = './engine-modules.js';
if (!existsSync(entry)) throw new Error(`${entry} is missing: run tsc first (npm run build does both)`);

const result = await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: [LATER],
  // import.meta does not exist in CommonJS: the bundle's own file URL stands in for it.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "'use strict';\nconst __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
// Replaced by the bundle: nothing else imports the watchdog's entry.
for (const suffix of ['.js', '.js.map', '.d.ts', '.d.ts.map']) rmSync(join(dist, `watchdog/main${suffix}`), { force: true });

const output = Object.values(result.metafile.outputs)[0];
const inputs = Object.keys(output.inputs);
// The serve path must not pull in a package or the engine: that is what the split is for.
const packages = inputs.filter((path) => path.includes('node_modules'));
const left = output.imports.filter((item) => item.external && !item.path.startsWith('node:') && item.path !== LATER);
if (packages.length > 0 || left.length > 0) throw new Error(`the watchdog's serve path loads ${[...packages, ...left.map((item) => item.path)].join(', ')} at start`);
process.stdout.write(`watchdog bundled: dist/watchdog/main.cjs, ${(output.bytes / 1024).toFixed(0)} KiB from ${inputs.length} modules\n`);
