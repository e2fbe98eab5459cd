/**
 * The package as users get it: `npm pack` (which runs prepack: a clean build), the tarball
 * installed into an empty project, then `npx docker-janitor clean` against the suite's private
 * engine holding in-use, tagged, multi-tag, digest-only and unused dangling images (parents and
 * children among them): exactly the unused dangling ones go. Plus `import('docker-janitor')`
 * at runtime and through the type checker.
 *
 * The pack runs in a copy of the working tree (without dist/), so its `rm -rf dist` never pulls
 * dist/ from under other tests that use the repo's build.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CleanResult } from '../../src/cleaner/result.js';
import { shortId } from '../../src/render/format.js';
import {
  buildImage,
  containerState,
  createContainer,
  dockerEnv,
  dockerSync,
  engineContainers,
  engineImages,
  makeDangling,
  makeDigestOnlyImage,
  resetEngine,
  runContainer,
  startRegistry,
  unsafeImageRemovals,
  type LocalRegistry,
} from '../support/docker.js';
import { REPO_ROOT } from '../support/engine.js';

const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

let work: string;
let project: string;
let tarball: string;
let registry: LocalRegistry | undefined;

/** The environment for npm/npx: the private engine, no colour, none of the outer npm's settings. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(dockerEnv())) {
    if (!/^npm_/i.test(key) && key !== 'INIT_CWD' && key !== 'FORCE_COLOR' && key !== 'NO_COLOR') base[key] = value;
  }
  return { ...base, ...extra };
}

function run(file: string, args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(file, args, { cwd, env: env(extra), encoding: 'utf8', timeout: 240_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function mustRun(file: string, args: string[], cwd: string): string {
  const result = run(file, args, cwd);
  if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'dj-pack-'));
  const stage = join(work, 'stage');
  const skip = new Set(['node_modules', '.git', 'dist', 'fixtures', 'coverage', '.tmp']);
  cpSync(REPO_ROOT, stage, {
    recursive: true,
    filter: (source) => {
      const top = relative(REPO_ROOT, source).split('/')[0] ?? '';
      return !skip.has(top) && !source.endsWith('.tgz');
    },
  });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(stage, 'node_modules'), 'dir');

  const packs = join(work, 'packs');
  mkdirSync(packs);
  mustRun('npm', ['pack', '--pack-destination', packs], stage);
  const [file] = readdirSync(packs).filter((name) => name.endsWith('.tgz'));
  if (!file) throw new Error('npm pack made no tarball');
  tarball = join(packs, file);

  project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'dj-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`);
  mustRun('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], project);
}, 300_000);

afterAll(() => {
  registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the build, the bin and the docs, and no sources or tests', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((path) => path.replace(/^package\//, ''));
    expect(files).toContain('package.json');
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/cli/bin.js');
    // The watchdog as setup spawns it (scripts/bundle-watchdog.mjs), and what it loads once it serves.
    expect(files).toContain('dist/watchdog/main.cjs');
    expect(files).toContain('dist/watchdog/engine-modules.js');
    expect(files).toContain('CHANGELOG.md');
    expect(files.filter((path) => /^(src|test|fixtures|scripts)\//.test(path))).toEqual([]);
    expect(files.filter((path) => /\.test\./.test(path))).toEqual([]);
  });

  it('installs a docker-janitor bin that runs: --version and --help', () => {
    expect(run('npx', ['docker-janitor', '--version'], project)).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: '' });
    const help = run('npx', ['docker-janitor', '--help'], project);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
  });
});

describe('npx docker-janitor clean from the installed tarball', () => {
  it('removes exactly the unused dangling images, skips every other one with its reason, never forces', async () => {
    resetEngine();
    registry = await startRegistry();

    // Kept: tagged, multi-tagged, digest-only, and dangling images used by running, exited and created containers.
    const tagged = buildImage({ tag: 'dj-e2e/tagged:1' });
    const multi = buildImage({ tag: ['dj-e2e/multi:1', 'dj-e2e/multi:2'] });
    const digested = makeDigestOnlyImage(registry, { name: 'dj-e2e-kind-node' }).id;
    const forRunning = buildImage();
    const running = runContainer(forRunning, ['--name', 'dj-e2e-running']);
    const forExited = buildImage();
    const exited = dockerSync(['run', '-d', '--name', 'dj-e2e-exited', forExited, 'true']);
    dockerSync(['wait', exited]);
    const forCreated = buildImage();
    const created = createContainer(forCreated, ['--name', 'dj-e2e-created']);
    // Kept: a dangling parent whose dangling child a container uses, and a dangling parent of a tagged child.
    buildImage({ tag: 'dj-e2e/parent-of-used:1' });
    const childInUse = buildImage({ from: 'dj-e2e/parent-of-used:1' });
    makeDangling('dj-e2e/parent-of-used:1');
    const childUser = runContainer(childInUse, ['--name', 'dj-e2e-child-user']);
    buildImage({ tag: 'dj-e2e/parent-of-tagged:1' });
    const taggedChild = buildImage({ from: 'dj-e2e/parent-of-tagged:1', tag: 'dj-e2e/tagged-child:1' });
    makeDangling('dj-e2e/parent-of-tagged:1');

    // Removed: plain dangling images, an unused dangling parent with its dangling child, and the
    // old image a rebuild of a tag leaves behind (the seed's case).
    const plain = [buildImage(), buildImage(), buildImage()];
    const parent = buildImage({ tag: 'dj-e2e/unused-parent:1' });
    const child = buildImage({ from: 'dj-e2e/unused-parent:1' });
    makeDangling('dj-e2e/unused-parent:1');
    const oldBuild = buildImage({ tag: 'dj-e2e/rebuilt:1' });
    const newBuild = buildImage({ tag: 'dj-e2e/rebuilt:1' });
    const removable = [...plain, parent, child, oldBuild];

    const imagesBefore = engineImages();
    const containersBefore = engineContainers();
    expect(imagesBefore.find((image) => image.id === oldBuild)?.tags).toEqual([]);
    expect(imagesBefore.find((image) => image.id === parent)?.tags).toEqual([]);
    expect(imagesBefore.find((image) => image.id === digested)?.digests).toHaveLength(1);

    // A pass-through docker that records every invocation, to check no removal forces.
    const log = join(work, 'docker-calls.jsonl');
    const recorder = join(work, 'recording-docker.mjs');
    writeFileSync(
      recorder,
      [
        '#!/usr/bin/env node',
        "import { appendFileSync } from 'node:fs';",
        "import { spawnSync } from 'node:child_process';",
        'const args = process.argv.slice(2);',
        `appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + '\\n');`,
        "const result = spawnSync('docker', args, { stdio: 'inherit' });",
        'process.exit(result.status ?? 1);',
        '',
      ].join('\n'),
    );
    chmodSync(recorder, 0o755);

    const { code, stdout, stderr } = run('npx', ['docker-janitor', 'clean'], project, { DOCKER_JANITOR_DOCKER_PATH: recorder });

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    // Exactly the removable images are gone; every other image and container is as it was.
    const imagesAfter = engineImages().map((image) => image.id).sort();
    const expected = imagesBefore.map((image) => image.id).filter((id) => !removable.includes(id)).sort();
    expect(imagesAfter).toEqual(expected);
    for (const id of [tagged, multi, digested, forRunning, forExited, forCreated, childInUse, taggedChild, newBuild]) {
      expect(imagesAfter).toContain(id);
    }
    expect(engineContainers()).toEqual(containersBefore);
    expect(containerState(running)).toBe('running');
    expect(containerState(childUser)).toBe('running');
    expect(containerState(exited)).toBe('exited');
    expect(containerState(created)).toBe('created');

    // The summary says what went and why each other image stayed, naming its container.
    expect(stdout).toContain('🧹 Cleaning up dangling Docker images...');
    expect(stdout).toContain('✓ Skipped 4 in-use images (safe)');
    expect(stdout).toContain(`- ${shortId(forRunning)}  used by running container ${shortId(running)} (dj-e2e-running)`);
    expect(stdout).toContain(`- ${shortId(forExited)}  used by stopped container ${shortId(exited)} (dj-e2e-exited)`);
    expect(stdout).toContain(`- ${shortId(forCreated)}  used by created (never started) container ${shortId(created)} (dj-e2e-created)`);
    expect(stdout).toContain(`- ${shortId(childInUse)}  used by running container ${shortId(childUser)} (dj-e2e-child-user)`);
    expect(stdout).toContain('✓ Kept 1 digest-only image (--remove-digested removes it)');
    expect(stdout).toContain(`- ${shortId(digested)}  no tag, but a repository digest`);
    expect(stdout.trimEnd().split('\n').pop()).toBe('✓ Cleanup complete');

    const calls = readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as string[]);
    expect(calls.length).toBeGreaterThan(0);
    expect(unsafeImageRemovals(calls)).toEqual([]);
    // Batched: the number of docker calls does not grow with the number of images.
    expect(calls.filter((args) => args[0] === 'image' && args[1] === 'rm').length).toBeLessThanOrEqual(2);
  }, 240_000);

  it('--json from the installed bin prints the result object', () => {
    resetEngine();
    const image = buildImage();
    const { code, stdout, stderr } = run('npx', ['docker-janitor', 'clean', '--json', '--dry-run'], project);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const result = JSON.parse(stdout) as CleanResult;
    expect(result.dryRun).toBe(true);
    expect(result.removed.map((item) => item.id)).toEqual([image]);
  });
});

describe("import('docker-janitor') from the installed tarball", () => {
  it('loads at runtime with the public API, and a dry run works through it', () => {
    writeFileSync(
      join(project, 'smoke.mjs'),
      [
        "import * as dj from 'docker-janitor';",
        'const options = dj.parseOptions(dj.imageCleanOptionsSchema, { dryRun: true });',
        'const { engine } = dj.engineFromOptions();',
        'const result = await dj.cleanImages(engine, options);',
        'engine.close();',
        'const plan = dj.planImageCleanup({ images: [], containers: [], options, now: Date.now() });',
        'let optionsError = null;',
        "try { dj.parseOptions(dj.imageCleanOptionsSchema, { olderThan: 'soon' }); } catch (error) { optionsError = error instanceof dj.OptionsError ? error.message : String(error); }",
        'console.log(JSON.stringify({',
        '  exports: Object.keys(dj).sort(),',
        '  dryRun: result.dryRun,',
        '  summary: dj.renderCleanSummary(result, { color: false }),',
        "  plan: plan.remove.length,",
        "  errors: [new dj.DockerNotInstalledError('x'), new dj.DockerUnreachableError('h', 'e'), new dj.DockerCommandError(['ps'], 1, '', false)].map((error) => error instanceof dj.DockerError && error.code),",
        '  optionsError,',
        '}));',
        '',
      ].join('\n'),
    );
    const { code, stdout, stderr } = run('node', ['smoke.mjs'], project);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const smoke = JSON.parse(stdout) as { exports: string[]; dryRun: boolean; summary: string; plan: number; errors: string[]; optionsError: string };
    expect(smoke.exports).toEqual(
      expect.arrayContaining([
        'cleanImages',
        'engineFromOptions',
        'planImageCleanup',
        'renderCleanSummary',
        'renderTeardownSummary',
        'imageCleanOptionsSchema',
        'janitorOptionsSchema',
        'parseOptions',
        'OptionsError',
        'DockerError',
        'DockerNotInstalledError',
        'DockerUnreachableError',
        'DockerCommandError',
      ]),
    );
    // The docker CLI runner is internal since the engine interface (CHANGELOG: Removed).
    expect(smoke.exports).not.toContain('createDockerClient');
    expect(smoke.dryRun).toBe(true);
    expect(smoke.summary.split('\n')[0]).toBe('🧹 Cleaning up dangling Docker images (dry run)...');
    expect(smoke.plan).toBe(0);
    expect(smoke.errors).toEqual(['DOCKER_NOT_INSTALLED', 'DOCKER_UNREACHABLE', 'DOCKER_COMMAND_FAILED']);
    expect(smoke.optionsError).toMatch(/olderThan: expected a duration/);
  });

  it("a session from the installed package: its bundled watchdog serves the session socket, and teardown removes the plain container made through it", () => {
    const image = buildImage();
    const state = mkdtempSync(join(tmpdir(), 'dj-pack-state-'));
    chmodSync(state, 0o700);
    writeFileSync(
      join(project, 'session.mjs'),
      [
        "import { execFileSync } from 'node:child_process';",
        "import setup from 'docker-janitor/jest/global-setup';",
        "import teardown from 'docker-janitor/jest/global-teardown';",
        'const docker = (...args) => execFileSync("docker", args, { encoding: "utf8" }).trim();',
        'await setup({}, {});',
        // The first docker call right after setup: it waits in the socket's queue until the watchdog serves.
        'const host = process.env.DOCKER_HOST;',
        `const id = docker('create', ${JSON.stringify(image)}, 'true');`,
        "const label = docker('inspect', '-f', '{{index .Config.Labels \"docker-janitor.session\"}}', id);",
        'await teardown({}, {});',
        'console.log(JSON.stringify({ host, id, label }));',
        '',
      ].join('\n'),
    );
    try {
      const { code, stdout, stderr } = run('node', ['session.mjs'], project, { DOCKER_JANITOR_STATE_DIR: state });
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const last = JSON.parse(stdout.trimEnd().split('\n').pop() ?? '{}') as { host: string; id: string; label: string };
      expect(last.host).toMatch(new RegExp(`^unix://${state}/sessions/[^/]+/socket/docker\\.sock$`));
      expect(last.label).not.toBe('');
      expect(engineContainers().map((container) => container.id)).not.toContain(last.id);
      expect(readdirSync(join(state, 'sessions'))).toEqual([]);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });

  it('type-checks against the shipped declarations (strict, NodeNext)', () => {
    writeFileSync(
      join(project, 'smoke.ts'),
      [
        'import {',
        '  cleanImages, engineFromOptions, imageCleanOptionsSchema, parseOptions, planImageCleanup, renderCleanSummary,',
        '  renderTeardownSummary, DockerUnreachableError, janitorOptionsSchema,',
        '  type CleanResult, type ImageCleanOptionsInput, type JanitorOptionsInput, type SkipReason, type TeardownResult,',
        "} from 'docker-janitor';",
        "const input: ImageCleanOptionsInput = { dryRun: true, olderThan: '1h', labels: ['team=a'], docker: { host: 'unix:///x.sock' } };",
        'const options = parseOptions(imageCleanOptionsSchema, input);',
        'const seconds: number | undefined = options.olderThan;',
        'const result: CleanResult = await cleanImages(engineFromOptions({ timeoutMs: 1000 }).engine, options);',
        "const reasons: SkipReason[] = result.skipped.map((image) => image.reason);",
        "const text: string = renderCleanSummary(result, { color: false, optionStyle: 'config' });",
        'const plugin: JanitorOptionsInput = { images: "session", keepOnFailure: true };',
        'const janitor = parseOptions(janitorOptionsSchema, plugin);',
        'declare const teardown: TeardownResult;',
        'const teardownText: string = renderTeardownSummary(teardown, { color: true });',
        'const plan = planImageCleanup({ images: [], containers: [], options, now: 0 });',
        "const unreachable: string = new DockerUnreachableError('h', 'e').host;",
        '// @ts-expect-error unknown options are type errors',
        'const wrong: ImageCleanOptionsInput = { force: true };',
        'export { seconds, reasons, text, janitor, teardownText, plan, unreachable, wrong };',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(REPO_ROOT, 'node_modules/@types')],
        },
        files: ['smoke.ts'],
      }),
    );
    const tsc = run(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], project);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  });
});
