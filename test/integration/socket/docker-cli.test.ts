/**
 * The Docker CLI through the session socket (DOCKER_HOST=unix://<socket>), against the suite's
 * private engine: everything it creates carries the session label and the user's own labels,
 * and streams, hijacked connections, a tty and large copies work as they do direct.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BASE_IMAGE, buildImage, dockerEnv, dockerSync, resetEngine, startRegistry } from '../../support/docker.js';
import { labelsOf, pings, startTestSocket, type TestSocket } from './support.js';

let socket: TestSocket;
let work: string;
const SESSION = 'docker-janitor.session';
const BUILD_SESSION = 'docker-janitor.build-session';

/** docker through the socket; trimmed stdout. */
const via = (args: string[], input?: string): string =>
  execFileSync('docker', args, { env: socket.env, input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }).toString().trim();
/** The socket's MADE lines once they include `ids` (its stderr is read between the test's synchronous calls), at most 30 s (a busy machine). */
async function madeSoon(ids: string[]): Promise<string[]> {
  for (let waited = 0; waited < 30_000 && !ids.every((id) => socket.made().includes(id)); waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  return socket.made();
}
/** docker through the socket, not blocking the event loop. */
const viaAsync = (args: string[]): Promise<string> =>
  new Promise((resolve, reject) =>
    execFile('docker', args, { env: socket.env }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout.trim()))),
  );
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

beforeAll(async () => {
  resetEngine();
  socket = await startTestSocket();
  work = mkdtempSync(join(tmpdir(), 'dj-socket-cli-'));
});

afterAll(async () => {
  await socket?.stop();
  rmSync(work, { recursive: true, force: true });
  resetEngine();
});

beforeEach(() => {
  expect(socket.problems()).toEqual([]);
});

describe('what the CLI creates through the socket is labelled', () => {
  it('run, create, network create, volume create: session label plus the user labels', () => {
    const run = via(['run', '-d', '--label', 'user=run', BASE_IMAGE, 'sleep', '3600']);
    const created = via(['create', '--label', 'user=create', '--label', 'second=2', BASE_IMAGE, 'true']);
    const network = via(['network', 'create', '--label', 'user=net', 'dj-socket-net']);
    const volume = via(['volume', 'create', '--label', 'user=vol', 'dj-socket-vol']);
    const anonymous = via(['volume', 'create']);

    expect(labelsOf('container', run, dockerSync)).toEqual({ [SESSION]: socket.sessionId, user: 'run' });
    expect(labelsOf('container', created, dockerSync)).toEqual({ [SESSION]: socket.sessionId, user: 'create', second: '2' });
    expect(labelsOf('network', network, dockerSync)).toEqual({ [SESSION]: socket.sessionId, user: 'net' });
    expect(labelsOf('volume', volume, dockerSync)).toEqual({ [SESSION]: socket.sessionId, user: 'vol' });
    expect(labelsOf('volume', anonymous, dockerSync)).toEqual({ [SESSION]: socket.sessionId });
    // The engine, asked directly, lists exactly these under the session label.
    const filter = `label=${SESSION}=${socket.sessionId}`;
    const lines = (args: string[]) => dockerSync(args).split('\n').filter(Boolean).sort();
    expect(lines(['ps', '-aq', '--no-trunc', '--filter', filter])).toEqual([run, created].sort());
    expect(lines(['network', 'ls', '-q', '--no-trunc', '--filter', filter])).toEqual([network]);
    expect(lines(['volume', 'ls', '-q', '--filter', filter])).toEqual([volume, anonymous].sort());
  });

  it('a container created directly on the engine, not through the socket, gets no label', () => {
    const foreign = dockerSync(['create', BASE_IMAGE, 'true']);
    expect(labelsOf('container', foreign, dockerSync)).toEqual({});
  });

  it('build twice under one tag: both images, the tagged one and the one left dangling, carry the labels', async () => {
    const context = join(work, 'build');
    rmSync(context, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', context]);
    const build = (n: number) => {
      writeFileSync(join(context, 'Dockerfile'), `FROM ${BASE_IMAGE}\nLABEL from.dockerfile=yes\nRUN echo ${n}-${Date.now()} > /n\n`);
      return via(['build', '-q', '-t', 'dj-socket-built:latest', '--label', 'user=build', context]);
    };
    const first = build(1);
    const second = build(2);
    expect(first).not.toBe(second);
    for (const id of [first, second]) {
      // Not the container label (containers made from the image, by anyone, would inherit it).
      expect(labelsOf('image', id, dockerSync)).toEqual({ [SESSION]: '', [BUILD_SESSION]: socket.sessionId, user: 'build', 'from.dockerfile': 'yes' });
    }
    // The engine's answers named both images: the socket reported them as made, and the
    // intermediate images of their builds (the socket listed the images before and after each),
    // down to the base, which existed before.
    const chain = (id: string): string[] => {
      const parent = dockerSync(['image', 'inspect', '--format', '{{.Parent}}', id]);
      return parent === '' || parent === dockerSync(['image', 'inspect', '--format', '{{.Id}}', BASE_IMAGE]) ? [] : [parent, ...chain(parent)];
    };
    const steps = [...chain(first), ...chain(second)];
    expect(steps.length).toBeGreaterThanOrEqual(6);
    expect(await madeSoon([first, second, ...steps])).toEqual(expect.arrayContaining([first, second, ...steps]));
    expect(dockerSync(['image', 'inspect', '--format', '{{.Id}}', 'dj-socket-built:latest'])).toBe(second);
    expect(dockerSync(['images', '-q', '--no-trunc', '--filter', 'dangling=true', '--filter', `label=${BUILD_SESSION}=${socket.sessionId}`])).toBe(first);
    // A container made from it directly on the engine (another terminal) carries no session.
    const foreign = dockerSync(['create', second, 'true']);
    expect(labelsOf('container', foreign, dockerSync)[SESSION]).toBe('');
    expect(dockerSync(['ps', '-aq', '--no-trunc', '--filter', `label=${SESSION}=${socket.sessionId}`]).split('\n')).not.toContain(foreign);
  });

  it('docker commit and docker import get the image labels (a LABEL change), over the labels a commit copies from its container', async () => {
    const container = via(['run', '-d', BASE_IMAGE, 'sleep', '300']);
    expect(labelsOf('container', container, dockerSync)[SESSION]).toBe(socket.sessionId);
    const committed = via(['commit', '--change', `LABEL ${SESSION}=forged user=commit`, container]);
    expect(labelsOf('image', committed, dockerSync)).toEqual({ [SESSION]: '', [BUILD_SESSION]: socket.sessionId, user: 'commit' });
    // The committed image keeps the container's configuration (the change is only a label).
    expect(dockerSync(['image', 'inspect', '--format', '{{json .Config.Cmd}}', committed])).toBe('["sleep","300"]');
    const tar = join(work, 'rootfs.tar');
    execFileSync('sh', ['-c', `docker export "$1" > "$2"`, 'sh', container, tar], { env: dockerEnv() });
    const imported = execFileSync('docker', ['import', tar], { env: socket.env }).toString().trim();
    expect(labelsOf('image', imported, dockerSync)).toEqual({ [SESSION]: '', [BUILD_SESSION]: socket.sessionId });
    expect(await madeSoon([committed, imported])).toEqual(expect.arrayContaining([committed, imported]));
  });
});

describe('HTTP framing through the socket (raw clients)', () => {
  it('a chunked create body, split mid-chunk across writes, is labelled; Expect: 100-continue is answered', async () => {
    const body = JSON.stringify({ Image: BASE_IMAGE, Cmd: ['true'], Labels: { user: 'chunked' } });
    const answer = await new Promise<string>((resolve, reject) => {
      const client = connect(socket.path);
      let got = '';
      client.on('data', (data: Buffer) => {
        got += data.toString('latin1');
        if (/\r\n\r\n\{"Id":"[0-9a-f]{64}"/.test(got)) {
          client.destroy();
          resolve(got);
        }
      });
      client.on('error', reject);
      client.write('POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n');
      const half = Math.floor(body.length / 2);
      const parts = [`${half.toString(16)}\r\n${body.slice(0, 10)}`, `${body.slice(10, half)}\r\n`, `${(body.length - half).toString(16)}\r\n${body.slice(half)}\r\n0\r\n\r\n`];
      let i = 0;
      const next = () => {
        const part = parts[i++];
        if (part === undefined) return;
        client.write(part);
        setTimeout(next, 20);
      };
      next();
    });
    expect(answer.startsWith('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n')).toBe(true);
    const id = /"Id":"([0-9a-f]{64})"/.exec(answer)?.[1] ?? '';
    expect(labelsOf('container', id, dockerSync)).toEqual({ [SESSION]: socket.sessionId, user: 'chunked' });
  });

  it('keep-alive: creates and pings on one reused connection are each labelled or passed through', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const call = (method: string, path: string, body?: unknown) =>
      new Promise<{ status: number; text: string; reused: boolean }>((resolve, reject) => {
        const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        const request = http.request(
          { socketPath: socket.path, method, path, agent, headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {} },
          (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => (text += chunk.toString()));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, text, reused: request.reusedSocket }));
          },
        );
        request.on('error', reject);
        request.end(data);
      });
    const answers = [];
    for (const version of ['/v1.41', '', '/v1.24']) {
      answers.push(await call('POST', `${version}/containers/create`, { Image: BASE_IMAGE, Cmd: ['true'], Labels: { v: version || 'none' } }));
      answers.push(await call('GET', `${version}/_ping`));
    }
    agent.destroy();
    expect(answers.map((a) => a.status)).toEqual([201, 200, 201, 200, 201, 200]);
    expect(answers.slice(1).every((a) => a.reused)).toBe(true);
    for (const [index, version] of ['/v1.41', '', '/v1.24'].entries()) {
      const id = (JSON.parse(answers[index * 2]?.text ?? '{}') as { Id: string }).Id;
      expect(labelsOf('container', id, dockerSync)).toEqual({ [SESSION]: socket.sessionId, v: version || 'none' });
    }
  });
});

describe('streams and hijacked connections through the socket', () => {
  it('exec, with and without stdin', () => {
    const id = via(['run', '-d', BASE_IMAGE, 'sleep', '3600']);
    expect(via(['exec', id, 'sh', '-c', 'echo out; echo err >&2; echo done'])).toBe('out\ndone');
    expect(via(['exec', '-i', id, 'sh', '-c', 'tr a-z A-Z'], 'hello through the socket\n')).toBe('HELLO THROUGH THE SOCKET');
    expect(() => via(['exec', id, 'sh', '-c', 'exit 3'])).toThrow(/status 3|exit/);
  });

  it('attach: stdin in, stdout out, over the upgraded connection', async () => {
    const id = via(['run', '-di', BASE_IMAGE, 'sh', '-c', 'read line; echo "got:$line"; read again; echo "then:$again"']);
    const attach = spawn('docker', ['attach', id], { env: socket.env });
    let output = '';
    attach.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const saw = async (text: string) => {
      while (!output.includes(text)) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    // stdin stays open until the answer is seen: closing it first races the daemon's output,
    // direct as well as through the socket.
    attach.stdin.write('ping\n');
    await saw('got:ping');
    attach.stdin.write('pong\n');
    await saw('then:pong');
    const code = await new Promise<number | null>((resolve) => attach.on('exit', resolve));
    expect(output).toBe('got:ping\nthen:pong\n');
    expect(code).toBe(0);
    expect(dockerSync(['inspect', '--format', '{{.State.Status}}', id])).toBe('exited');
  });

  it('docker run -it with a pseudo-terminal', () => {
    const output = execFileSync('script', ['-qec', `docker run -it --rm ${BASE_IMAGE} sh -c 'tty; echo tty-ok'`, '/dev/null'], {
      env: socket.env,
      input: '',
    }).toString();
    expect(output).toMatch(/\/dev\/pts\/\d+/);
    expect(output).toContain('tty-ok');
  });

  it('logs -f streams lines as they are written and ends when the container stops', async () => {
    const id = via(['run', '-d', BASE_IMAGE, 'sh', '-c', 'for i in 1 2 3 4 5; do echo line-$i; sleep 0.3; done']);
    const follower = spawn('docker', ['logs', '-f', id], { env: socket.env });
    const seen: Array<{ line: string; at: number }> = [];
    let buffer = '';
    follower.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) seen.push({ line, at: Date.now() });
    });
    const code = await new Promise<number | null>((resolve) => follower.on('exit', resolve));
    expect(code).toBe(0);
    expect(seen.map((s) => s.line)).toEqual(['line-1', 'line-2', 'line-3', 'line-4', 'line-5']);
    // streamed, not delivered at the end in one piece
    const first = seen[0]?.at ?? 0;
    const last = seen[4]?.at ?? 0;
    expect(last - first).toBeGreaterThan(600);
  });

  it('events streams while containers are created through the socket', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const events = spawn('docker', ['events', '--since', String(since), '--filter', 'type=container', '--filter', 'event=create', '--format', '{{.Actor.Attributes.name}}'], {
      env: socket.env,
    });
    let text = '';
    const got = new Promise<void>((resolve) =>
      events.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('dj-socket-events-b')) resolve();
      }),
    );
    await viaAsync(['create', '--name', 'dj-socket-events-a', BASE_IMAGE, 'true']);
    await viaAsync(['create', '--name', 'dj-socket-events-b', BASE_IMAGE, 'true']);
    await got;
    events.kill();
    expect(text.split('\n').filter((name) => name.startsWith('dj-socket-events-'))).toEqual(['dj-socket-events-a', 'dj-socket-events-b']);
  });

  it('cp in and out of a 24 MiB file, checksum unchanged', async () => {
    const id = via(['run', '-d', BASE_IMAGE, 'sleep', '3600']);
    const file = join(work, 'payload.bin');
    writeFileSync(file, randomBytes(24 * 1024 * 1024));
    await viaAsync(['cp', file, `${id}:/payload.bin`]);
    expect(dockerSync(['exec', id, 'sha256sum', '/payload.bin']).split(/\s+/)[0]).toBe(sha256(file));
    const out = join(work, 'out');
    execFileSync('mkdir', ['-p', out]);
    await viaAsync(['cp', `${id}:/payload.bin`, join(out, 'back.bin')]);
    expect(sha256(join(out, 'back.bin'))).toBe(sha256(file));
  });

  it("BuildKit's POST /session with Upgrade: h2c: 101, then HTTP/2 both ways over the tunnel", async () => {
    // After the 101 the daemon is the HTTP/2 client: it sends the preface and SETTINGS; our
    // SETTINGS must reach it, and its ACK must come back.
    const uuid = randomBytes(12).toString('hex');
    const steps = await h2cExchange(
      socket.path,
      'POST /v1.41/session HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n' +
        `X-Docker-Expose-Session-Uuid: ${uuid}\r\nX-Docker-Expose-Session-Name: dj\r\nX-Docker-Expose-Session-Sharedkey: dj\r\n\r\n`,
      true,
    );
    expect(steps).toEqual(['HTTP/1.1 101 Switching Protocols', 'preface', 'settings', 'settings ack']);
  });

  it("BuildKit's POST /grpc with Upgrade: h2c: 101, then the engine serves HTTP/2 over the tunnel (our SETTINGS acknowledged)", async () => {
    // On /grpc the engine is the HTTP/2 server: the client sends the preface and SETTINGS, and
    // the engine answers with its own SETTINGS and an ACK of ours.
    const steps = await h2cExchange(socket.path, 'POST /v1.41/grpc HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n', false);
    expect(steps).toEqual(['HTTP/1.1 101 Switching Protocols', 'settings', 'settings ack']);
  });

  it('push and pull progress stream through the socket (a local registry): the image pulled back is the one pushed', async () => {
    const registry = await startRegistry();
    try {
      const ref = `${registry.address}/dj-socket-pull:1`;
      const id = buildImage({ tag: ref });
      const pushed = await viaAsync(['push', ref]);
      expect(pushed).toMatch(/: Pushed$/m);
      expect(pushed).toMatch(/digest: sha256:[0-9a-f]{64}/);
      dockerSync(['rmi', ref]);
      expect(dockerSync(['image', 'inspect', id], { allowFailure: true })).toBe('');
      // Not quiet: the CLI prints the engine's progress stream as it comes.
      const pulled = await viaAsync(['pull', ref]);
      expect(pulled).toMatch(/: Pull complete$/m);
      expect(pulled).toMatch(/^Status: Downloaded newer image for /m);
      expect(dockerSync(['image', 'inspect', '--format', '{{.Id}}', ref])).toBe(id);
    } finally {
      registry.stop();
    }
  });

  it('after all of it the socket still answers, and reported no problem', async () => {
    expect(await pings(socket.path)).toBe(true);
    expect(socket.problems()).toEqual([]);
  });
});

/**
 * BuildKit's first HTTP/2 steps after `Upgrade: h2c`, spoken by hand through the socket at `path`
 * (no buildx here to drive them): `request`, its 101, then the preface (`daemonIsClient`: the
 * daemon sends it and we check it; otherwise we send it), our empty SETTINGS, and the frames back
 * until the daemon acknowledges ours. The steps seen, in order.
 */
async function h2cExchange(path: string, request: string, daemonIsClient: boolean): Promise<string[]> {
  const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
  const SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
  const steps: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const client = connect(path);
    let got = Buffer.alloc(0);
    let stage: 'head' | 'preface' | 'frames' = 'head';
    const timer = setTimeout(() => reject(new Error(`no HTTP/2 exchange: ${steps.join(', ')} ${got.toString('latin1')}`)), 10_000);
    client.on('data', (data: Buffer) => {
      got = Buffer.concat([got, data]);
      if (stage === 'head' && got.includes('\r\n\r\n')) {
        steps.push(got.toString('latin1', 0, got.indexOf('\r\n')));
        got = got.subarray(got.indexOf('\r\n\r\n') + 4);
        stage = daemonIsClient ? 'preface' : 'frames';
        if (!daemonIsClient) client.write(Buffer.concat([Buffer.from(PREFACE), SETTINGS]));
      }
      if (stage === 'preface' && got.length >= PREFACE.length) {
        steps.push(got.subarray(0, PREFACE.length).toString() === PREFACE ? 'preface' : 'no preface');
        got = got.subarray(PREFACE.length);
        stage = 'frames';
        client.write(SETTINGS);
      }
      while (stage === 'frames' && got.length >= 9 && got.length >= 9 + got.readUIntBE(0, 3)) {
        const [type, flags] = [got[3], got[4]];
        got = got.subarray(9 + got.readUIntBE(0, 3));
        if (type === 4 && flags === 0 && !steps.includes('settings')) steps.push('settings');
        if (type === 4 && flags === 1) {
          steps.push('settings ack');
          clearTimeout(timer);
          client.destroy();
          resolve();
          return;
        }
      }
    });
    client.write(request);
  });
  return steps;
}
