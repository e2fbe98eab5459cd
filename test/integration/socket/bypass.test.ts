/**
 * The attack report's S2 label bypasses, through the real session socket against the suite's
 * private engine (dockerd 20.10, API 1.41): every object created through the socket carries the
 * session label, and what the socket cannot read the way dockerd does is refused before anything
 * is created. Raw requests where a client would never send them; the docker CLI where it would.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BASE_IMAGE, dockerSync, resetEngine } from '../../support/docker.js';
import { labelsOf, rawExchange, startTestSocket, type TestSocket } from './support.js';

const SESSION = 'docker-janitor.session';
let socket: TestSocket;

beforeAll(async () => {
  resetEngine();
  socket = await startTestSocket();
});

afterAll(async () => {
  await socket?.stop();
  resetEngine();
});

beforeEach(() => {
  resetEngine();
});

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
const messageOf = (answer: string) => (JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { message: string }).message;
const post = (target: string, body: string) =>
  `POST ${target} HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
const IMAGE = JSON.stringify({ Image: BASE_IMAGE, Cmd: ['true'] });
const label = () => ({ [SESSION]: socket.sessionId });
const exists = (kind: 'container' | 'volume' | 'network', name: string) => dockerSync([kind, 'inspect', name], { allowFailure: true }) !== '';
const via = (args: string[]) => execFileSync('docker', args, { env: socket.env, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();

describe('paths are matched as dockerd matches them', () => {
  it('a version prefix with a trailing dot (/v{version:[0-9.]+}) and percent-encoded create paths are labelled', async () => {
    const answers = [
      await rawExchange(socket.path, post('/v1.41./containers/create?name=atk-dot', IMAGE)),
      await rawExchange(socket.path, post('/v1.41/containers/%63reate?name=atk-pct', IMAGE)),
      // A subnet of its own: engines on a shared host can run out of default address pools.
      await rawExchange(socket.path, post('/v1.41/networks/%63reate', '{"Name":"atk-pct-net","IPAM":{"Config":[{"Subnet":"10.213.77.0/24"}]}}')),
      await rawExchange(socket.path, post('/v1.41/volumes/%63reate', '{"Name":"atk-pct-vol"}')),
    ];
    expect(answers.map(statusOf), answers.join('\n')).toEqual([201, 201, 201, 201]);
    expect(labelsOf('container', 'atk-dot', dockerSync)).toEqual(label());
    expect(labelsOf('container', 'atk-pct', dockerSync)).toEqual(label());
    expect(labelsOf('network', 'atk-pct-net', dockerSync)).toEqual(label());
    expect(labelsOf('volume', 'atk-pct-vol', dockerSync)).toEqual(label());
  });

  it('an encoded slash or a path the router would clean, on a POST: 400, nothing created', async () => {
    for (const target of ['/v1.41/containers%2Fcreate?name=atk-slash', '/v1.41//containers/create?name=atk-slash', '/v1.41/x/../containers/create?name=atk-slash']) {
      const answer = await rawExchange(socket.path, post(target, IMAGE));
      expect(statusOf(answer), target).toBe(400);
    }
    expect(exists('container', 'atk-slash')).toBe(false);
  });
});

describe('create bodies are read as dockerd reads them', () => {
  it('Labelſ (U+017F) null after the real Labels: the container still gets the session label, and only it', async () => {
    const answer = await rawExchange(socket.path, post('/v1.41/containers/create?name=atk-fold', `{"Image":"${BASE_IMAGE}","Cmd":["true"],"Labels":{"user":"x"},"Labelſ":null}`));
    expect(statusOf(answer)).toBe(201);
    expect(labelsOf('container', 'atk-fold', dockerSync)).toEqual(label());
  });

  it('folded duplicates merge as in Go: the labels dockerd would have read, plus the session label', async () => {
    const answer = await rawExchange(socket.path, post('/v1.41/containers/create?name=atk-dup', `{"Image":"${BASE_IMAGE}","Cmd":["true"],"labels":{"a":"1"},"LABELſ":{"b":"2"}}`));
    expect(statusOf(answer)).toBe(201);
    expect(labelsOf('container', 'atk-dup', dockerSync)).toEqual({ a: '1', b: '2', ...label() });
  });
});

describe('request smuggling is refused', () => {
  it('a bare LF that hides a Content-Length: 400, and the create smuggled behind it never reaches the engine', async () => {
    const inner = post('/v1.41/containers/create?name=atk-smuggle', IMAGE);
    const answer = await rawExchange(socket.path, `GET /_ping HTTP/1.1\r\nHost: d\r\nX: a\nContent-Length: 4\r\n\r\nABCD${inner}`);
    expect(statusOf(answer)).toBe(400);
    expect(messageOf(answer)).toMatch(/bare LF/);
    expect(exists('container', 'atk-smuggle')).toBe(false);
  });

  it.each([
    ['obs-fold', 'GET /_ping HTTP/1.1\r\nHost: d\r\nX: a\r\n Content-Length: 4\r\n\r\nABCD'],
    ['Content-Length with a sign', 'GET /_ping HTTP/1.1\r\nHost: d\r\nContent-Length: +4\r\n\r\nABCD'],
    ['Transfer-Encoding on HTTP/1.0', 'POST /_ping HTTP/1.0\r\nHost: d\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ])('%s: 400', async (_name, request) => {
    expect(statusOf(await rawExchange(socket.path, request))).toBe(400);
  });
});

describe('only a real takeover ends the reading of requests', () => {
  it('logs sent with an Upgrade header, then a create on the same connection: labelled (tunnel.py)', async () => {
    const tty = dockerSync(['run', '-d', '-t', BASE_IMAGE, 'echo', 'hello']);
    const client = connect(socket.path);
    let answer = '';
    client.on('data', (data) => (answer += data.toString('latin1')));
    client.write(`GET /v1.41/containers/${tty}/logs?stdout=1 HTTP/1.1\r\nHost: d\r\nUpgrade: x\r\n\r\n`);
    while (!answer.includes('0\r\n\r\n')) await new Promise((resolve) => setTimeout(resolve, 10));
    client.write(post('/v1.41/containers/create?name=atk-tunnel', IMAGE));
    while (!answer.includes('201 Created')) await new Promise((resolve) => setTimeout(resolve, 10));
    client.destroy();
    expect(labelsOf('container', 'atk-tunnel', dockerSync)).toEqual(label());
  });

  it('docker exec, attach and run -i still work through the socket', () => {
    const id = via(['run', '-d', BASE_IMAGE, 'sleep', '60']);
    expect(via(['exec', id, 'echo', 'in-exec'])).toBe('in-exec');
    const piped = spawnSync('docker', ['run', '-i', '--rm', BASE_IMAGE, 'cat'], { env: socket.env, input: 'through stdin\n', encoding: 'utf8' });
    expect(piped.stdout).toBe('through stdin\n');
  });
});

describe('named volumes a container create makes carry the session label', () => {
  it('docker run -v NAME:/data and --mount type=volume,src=NAME (with its own label and driver options): created labelled; the container uses them', () => {
    via(['run', '--rm', '-v', 'atk-implicit-vol:/data', BASE_IMAGE, 'sh', '-c', 'echo kept > /data/f']);
    via(['create', '--name', 'atk-implicit2', '--mount', 'type=volume,src=atk-implicit-mount,dst=/x,volume-label=user=mine,volume-driver=local,volume-opt=type=tmpfs,volume-opt=device=tmpfs', BASE_IMAGE, 'true']);
    expect(labelsOf('volume', 'atk-implicit-vol', dockerSync)).toEqual(label());
    expect(labelsOf('volume', 'atk-implicit-mount', dockerSync)).toEqual({ user: 'mine', ...label() });
    expect(JSON.parse(dockerSync(['volume', 'inspect', '--format', '{{json .Options}}', 'atk-implicit-mount']))).toEqual({ device: 'tmpfs', type: 'tmpfs' });
    expect(via(['run', '--rm', '-v', 'atk-implicit-vol:/data', BASE_IMAGE, 'cat', '/data/f'])).toBe('kept');
  });

  it('a volume that existed before keeps its labels (none), and the container uses it', () => {
    dockerSync(['volume', 'create', '--label', 'owner=someone-else', 'atk-existing']);
    dockerSync(['run', '--rm', '-v', 'atk-existing:/data', BASE_IMAGE, 'sh', '-c', 'echo theirs > /data/f']);
    expect(via(['run', '--rm', '-v', 'atk-existing:/data', BASE_IMAGE, 'cat', '/data/f'])).toBe('theirs');
    via(['create', '--mount', 'type=volume,src=atk-existing,dst=/x,volume-label=user=mine', BASE_IMAGE, 'true']);
    expect(labelsOf('volume', 'atk-existing', dockerSync)).toEqual({ owner: 'someone-else' });
  });

  it("a name the engine refuses: the engine's own message, and no container", () => {
    const result = spawnSync('docker', ['create', '--name', 'atk-badvol', '-v', '_bad:/data', BASE_IMAGE, 'true'], { env: socket.env, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/docker-janitor session socket: creating volume "_bad" for the container: .*includes invalid characters for a local volume name/);
    expect(exists('container', 'atk-badvol')).toBe(false);
  });

  it('a container start with a host config body (API 1.23, where 20.10 still reads its Binds): 400, no volume', async () => {
    const id = dockerSync(['create', BASE_IMAGE, 'true']);
    const answer = await rawExchange(socket.path, post(`/v1.23/containers/${id}/start`, '{"Binds":["atk-start-vol:/data"]}'));
    expect(statusOf(answer)).toBe(400);
    expect(exists('volume', 'atk-start-vol')).toBe(false);
  });
});
