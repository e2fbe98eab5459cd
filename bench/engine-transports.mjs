#!/usr/bin/env node
/**
 * The two engine transports side by side on an EMPTY private engine: ping, and the listings a
 * "nothing to clean" run makes (dangling images, containers / networks / volumes by label).
 * In-process (warm: kept-alive socket, or one docker process per call) and as fresh processes
 * (import included). Build first (`npm run build`). Runs only against a private engine started by
 * scripts/test-engine.sh (its marker is checked):
 *
 *   scripts/test-engine.sh start /tmp/dj-bench-eng
 *   DOCKER_HOST=unix:///tmp/dj-bench-eng/docker.sock node bench/engine-transports.mjs
 *   scripts/test-engine.sh stop /tmp/dj-bench-eng
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const host = process.env.DOCKER_HOST ?? '';
const marker = join(dirname(host.replace(/^unix:\/\//, '')), 'MARKER');
if (!host.startsWith('unix://') || !existsSync(marker) || readFileSync(marker, 'utf8').trim() !== 'docker-janitor private test engine') {
  console.error(`refusing: ${host} is not a private engine started by scripts/test-engine.sh`);
  process.exit(2);
}
const RUNS = Number(process.env.RUNS ?? 20);
const { engineFromOptions } = await import(join(ROOT, 'dist/docker/create.js'));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const ms = (value) => `${value.toFixed(1)} ms`;

async function listings(engine) {
  await engine.listImages({ dangling: true });
  await engine.listContainers({ labels: ['dj.bench=none'] });
  await engine.listNetworks(['dj.bench=none']);
  await engine.listVolumes(['dj.bench=none']);
}

for (const transport of ['api', 'cli']) {
  const { engine } = engineFromOptions({ transport, host });
  let started = performance.now();
  await engine.ping();
  const cold = performance.now() - started;
  const pings = [];
  const lists = [];
  for (let run = 0; run < RUNS; run++) {
    started = performance.now();
    await engine.ping();
    pings.push(performance.now() - started);
    started = performance.now();
    await listings(engine);
    lists.push(performance.now() - started);
  }
  engine.close();
  console.log(`${transport}: first ping ${ms(cold)}; ping median ${ms(median(pings))}; 4 empty listings median ${ms(median(lists))} (${RUNS} runs)`);
}

const script = `const t=performance.now();const {engineFromOptions}=await import(${JSON.stringify(join(ROOT, 'dist/docker/create.js'))});
const {engine}=engineFromOptions({transport:process.argv[1],host:${JSON.stringify(host)}});
await engine.ping();await engine.listImages({dangling:true});await engine.listContainers({labels:['dj.bench=none']});
await engine.listNetworks(['dj.bench=none']);await engine.listVolumes(['dj.bench=none']);engine.close();`;
for (const transport of ['', 'api', 'cli']) {
  const times = [];
  for (let run = 0; run < Math.min(RUNS, 10); run++) {
    const started = performance.now();
    execFileSync(process.execPath, ['--input-type=module', '-e', transport ? script : '', transport], { stdio: 'ignore' });
    times.push(performance.now() - started);
  }
  console.log(`fresh process, ${transport ? `import + ping + 4 empty listings, ${transport}` : 'empty ESM script (floor)'}: median ${ms(median(times))}`);
}
