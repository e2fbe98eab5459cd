/**
 * The example users see first: the README's Vitest test and the demo's test file
 * (examples/vitest-demo, what scripts/demo.sh runs) use no docker-janitor API at all. The demo
 * project runs here as the demo runs it, with the plugin's defaults, on the suite's private
 * engine: what its test made with plain docker commands is gone afterwards, what existed before
 * is untouched.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BASE_IMAGE, dockerSync, resetEngine } from '../support/docker.js';
import { REPO_ROOT } from '../support/engine.js';
import { BIN, exitCode, linkPackage, output, removeDir, sessionDirs, startFixture, tempStateDir } from './support/fixtures.js';
import { expectBystandersUntouched, makeBystanders } from './support/vitest-run.js';

const DEMO = join(REPO_ROOT, 'examples/vitest-demo');

/** Lines of a test file that load docker-janitor (an import, a dynamic import, a require). */
const janitorImports = (source: string) => source.split('\n').filter((line) => /(from\s+|import\s*\(\s*|require\s*\(\s*)['"]docker-janitor/.test(line));

beforeAll(() => {
  linkPackage();
  // scripts/demo.sh resolves `docker-janitor` for the example the same way: a link to this checkout.
  linkPackage(join(REPO_ROOT, 'examples'));
  resetEngine();
});

afterAll(() => resetEngine());

it("the README's Vitest example test and the demo's test file load nothing from docker-janitor", () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const example = /```ts\n(\/\/ any\.test\.ts[^\n]*\n[\s\S]*?)```/.exec(readme)?.[1];
  expect(example, 'the README has its `// any.test.ts` example').toBeDefined();
  expect(example).toContain("execFileSync('docker'");
  expect(janitorImports(example!)).toEqual([]);
  const demo = readFileSync(join(DEMO, 'demo.test.ts'), 'utf8');
  expect(demo).toContain("execFileSync('docker'");
  expect(janitorImports(demo)).toEqual([]);
  // The check itself finds an import where there is one.
  expect(janitorImports("import { track } from 'docker-janitor/session';\nconst s = require('docker-janitor/session');")).toHaveLength(2);
});

it('the demo project runs with the plugin: its containers, network and volume, and its first (dangling) build are gone; what existed before stays', async () => {
  const bystanders = makeBystanders();
  const list = (args: string[]) => dockerSync(args).split('\n').filter(Boolean).sort();
  const engine = () => ({
    containers: list(['ps', '-aq', '--no-trunc']),
    networks: list(['network', 'ls', '-q', '--no-trunc', '--filter', 'type=custom']),
    volumes: list(['volume', 'ls', '-q']),
    dangling: list(['images', '-q', '--no-trunc', '--filter', 'dangling=true']),
  });
  const before = engine();
  const stateDir = tempStateDir();
  try {
    const run = startFixture(DEMO, [join(BIN, 'vitest'), 'run'], {
      DOCKER_JANITOR_STATE_DIR: stateDir,
      DEMO_BASE_IMAGE: BASE_IMAGE,
      // The outer Vitest's own variables must not leak into the demo's.
      ...Object.fromEntries(Object.keys(process.env).filter((key) => key.startsWith('VITEST')).map((key) => [key, undefined])),
    });
    const result = await run.exited;
    const text = output(result);
    expect(exitCode(result), text).toBe(0);
    expect(text).not.toMatch(/No session socket/);
    expect(result.stdout).toMatch(/Removed 2 containers/);
    expect(result.stdout).toMatch(/Removed 1 network/);
    expect(result.stdout).toMatch(/Removed 1 volume/);
    expect(engine()).toEqual(before);
    // The tagged build stays (a tag is never removed); the first build, left dangling, went.
    expect(dockerSync(['image', 'inspect', '--format', '{{.Id}}', 'demo-app:latest'])).toMatch(/^sha256:/);
    expectBystandersUntouched(bystanders);
    expect(sessionDirs(stateDir)).toEqual([]);
  } finally {
    removeDir(stateDir);
  }
  expect(existsSync(join(REPO_ROOT, 'examples/node_modules/docker-janitor/dist/vitest/index.js'))).toBe(true);
});
