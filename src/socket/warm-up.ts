/**
 * The request path run once on a sample create when the socket starts, before its first client.
 *
 * A test run makes a few creates, not thousands: each runs the socket's code for the first or
 * the few first times, where V8 compiles each function on its first call, compiles each RegExp
 * on its first match, and learns the shapes of the objects it meets (JSON.parse of a create body
 * makes some hundred of them). Measured in fresh socket processes (docs/socket-benchmark.md,
 * stop 16), the first create of the docker CLI's body added about 2.7 ms over direct and the next
 * ones about 1 ms, against 0.3 ms once warm. This pass pays the first of those costs while the
 * socket waits for its first client. It sends nothing anywhere and never throws.
 */
import { AnswerFramer } from './answer-framing.js';
import { implicitVolumesOf } from './implicit-volumes.js';
import { parseRequestHead, renderRequestHeadText, type RequestHead } from './request-head.js';
import { labelEdit, labelledRequest, readBody, type Labels, type ReadBody } from './rewrite.js';
import { routeOf } from './route.js';

/** The body `docker create IMAGE true` sends (docker CLI 28.2.2, API 1.41), as captured. */
export const SAMPLE_BODY =
  '{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["true"],"Image":"busybox","Volumes":{},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{},' +
  '"HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"default","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":null,"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":0,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null},' +
  '"NetworkingConfig":{"EndpointsConfig":{"default":{"IPAMConfig":null,"Links":null,"Aliases":null,"MacAddress":"","DriverOpts":null,"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}}}';
export const SAMPLE_HEAD = `POST /v1.41/containers/create HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: Docker-Client/28.2.2 (linux)\r\nContent-Length: ${SAMPLE_BODY.length}\r\nContent-Type: application/json\r\n\r\n`;
export const SAMPLE_ANSWER =
  'HTTP/1.1 201 Created\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\nDate: Mon, 30 Nov 2026 04:20:03 GMT\r\nContent-Length: 88\r\n\r\n{"Id":"da448a67cdd261a862909d3447445e8c6843b145144e2a23c4b1ef12210b0946","Warnings":[]}\n';

/**
 * A labelled create's request path on the sample, with the socket's `labels`, in steps of a few
 * hundred microseconds (the first time), `rounds` times: the server runs one step per turn of the
 * event loop, so that a client's request that arrives meanwhile waits for one step at most.
 */
export function warmUpSteps(labels: Labels, rounds = WARM_UP_ROUNDS): Array<() => void> {
  const request = Buffer.from(SAMPLE_HEAD + SAMPLE_BODY, 'latin1');
  const answer = Buffer.from(SAMPLE_ANSWER, 'latin1');
  let head: RequestHead | undefined;
  let bytes = request;
  let read: ReadBody | undefined;
  const round: Array<() => void> = [
    () => {
      const parsed = parseRequestHead(request);
      head = parsed.kind === 'head' ? parsed.head : undefined;
      if (head) routeOf(head.method, head.target);
    },
    () => {
      if (!head) return;
      bytes = request.subarray(head.size);
      read = readBody(bytes.toString('utf8'));
    },
    () => {
      const at = head;
      const edit = read && labelEdit(read, labels);
      if (at && read && edit?.ok) labelledRequest((length) => renderRequestHeadText(at, { length }), bytes, read.text, edit.value);
    },
    () => {
      if (read) implicitVolumesOf(read.text, read.layout);
    },
    () => {
      const framer = new AnswerFramer();
      framer.expect('POST', false);
      framer.feed(answer);
    },
  ];
  // A warm-up only: what goes wrong here, the requests themselves report.
  const guarded = round.map((step) => () => {
    try {
      step();
    } catch {
      // nothing to do
    }
  });
  return Array.from({ length: rounds }, () => guarded).flat();
}

/**
 * Rounds of the warm-up. The first costs about 2.4 ms here, each later one 0.4 ms; in fresh
 * socket processes, five rounds did not make the first creates faster than one.
 */
export const WARM_UP_ROUNDS = 1;
