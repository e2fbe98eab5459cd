import { describe, expect, it } from 'vitest';
import { bindVolumeName, implicitVolumes } from '../../../src/socket/implicit-volumes.js';
import { volumeCreateBody } from '../../../src/socket/volume-create.js';

/**
 * Recorded: the body of `docker create --name rec1 -v recvol:/data -v /tmp:/host -v /anon
 * --mount type=volume,src=recmount,dst=/m,volume-driver=local,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-label=a=b hb true`
 * (Docker CLI 28.2.2 to Docker 20.10.24, API 1.41).
 */
const CLI_CREATE = "{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,\"AttachStdout\":true,\"AttachStderr\":true,\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":null,\"Cmd\":[\"true\"],\"Image\":\"hb\",\"Volumes\":{\"/anon\":{}},\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":{},\"HostConfig\":{\"Binds\":[\"recvol:/data\",\"/tmp:/host\"],\"ContainerIDFile\":\"\",\"LogConfig\":{\"Type\":\"\",\"Config\":{}},\"NetworkMode\":\"default\",\"PortBindings\":{},\"RestartPolicy\":{\"Name\":\"no\",\"MaximumRetryCount\":0},\"AutoRemove\":false,\"VolumeDriver\":\"\",\"VolumesFrom\":null,\"ConsoleSize\":[0,0],\"CapAdd\":null,\"CapDrop\":null,\"CgroupnsMode\":\"\",\"Dns\":[],\"DnsOptions\":[],\"DnsSearch\":[],\"ExtraHosts\":null,\"GroupAdd\":null,\"IpcMode\":\"\",\"Cgroup\":\"\",\"Links\":null,\"OomScoreAdj\":0,\"PidMode\":\"\",\"Privileged\":false,\"PublishAllPorts\":false,\"ReadonlyRootfs\":false,\"SecurityOpt\":null,\"UTSMode\":\"\",\"UsernsMode\":\"\",\"ShmSize\":0,\"Isolation\":\"\",\"CpuShares\":0,\"Memory\":0,\"NanoCpus\":0,\"CgroupParent\":\"\",\"BlkioWeight\":0,\"BlkioWeightDevice\":[],\"BlkioDeviceReadBps\":[],\"BlkioDeviceWriteBps\":[],\"BlkioDeviceReadIOps\":[],\"BlkioDeviceWriteIOps\":[],\"CpuPeriod\":0,\"CpuQuota\":0,\"CpuRealtimePeriod\":0,\"CpuRealtimeRuntime\":0,\"CpusetCpus\":\"\",\"CpusetMems\":\"\",\"Devices\":[],\"DeviceCgroupRules\":null,\"DeviceRequests\":null,\"MemoryReservation\":0,\"MemorySwap\":0,\"MemorySwappiness\":-1,\"OomKillDisable\":false,\"PidsLimit\":0,\"Ulimits\":[],\"CpuCount\":0,\"CpuPercent\":0,\"IOMaximumIOps\":0,\"IOMaximumBandwidth\":0,\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"recmount\",\"Target\":\"/m\",\"VolumeOptions\":{\"Labels\":{\"a\":\"b\"},\"DriverConfig\":{\"Name\":\"local\",\"Options\":{\"device\":\"tmpfs\",\"type\":\"tmpfs\"}}}}],\"MaskedPaths\":null,\"ReadonlyPaths\":null},\"NetworkingConfig\":{\"EndpointsConfig\":{\"default\":{\"IPAMConfig\":null,\"Links\":null,\"Aliases\":null,\"MacAddress\":\"\",\"DriverOpts\":null,\"GwPriority\":0,\"NetworkID\":\"\",\"EndpointID\":\"\",\"Gateway\":\"\",\"IPAddress\":\"\",\"IPPrefixLen\":0,\"IPv6Gateway\":\"\",\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen\":0,\"DNSNames\":null}}}}\n";

const volumes = (body: string) => {
  const result = implicitVolumes(body);
  return result.ok ? result.volumes : { error: result.message };
};

describe('implicitVolumes: the named volumes a container create makes on the engine', () => {
  it("finds them in a recorded docker CLI create: a -v NAME bind and a --mount volume, with the mount's driver, options and labels", () => {
    expect(volumes(CLI_CREATE)).toEqual([
      { name: 'recvol', driver: '', driverOpts: {}, labels: {} },
      { name: 'recmount', driver: 'local', driverOpts: { device: 'tmpfs', type: 'tmpfs' }, labels: { a: 'b' } },
    ]);
  });

  it('binds take HostConfig.VolumeDriver; binds come first, each name once (the first use wins, as dockerd creates it)', () => {
    const body = JSON.stringify({
      Image: 'i',
      HostConfig: {
        VolumeDriver: 'nfs',
        Binds: ['data:/a:ro', '/host:/b', 'data:/c', 'other:/d:rw,z'],
        Mounts: [
          { Type: 'volume', Source: 'data', Target: '/e', VolumeOptions: { DriverConfig: { Name: 'local' } } },
          { Type: 'volume', Source: '', Target: '/anonymous' },
          { Type: 'bind', Source: '/host', Target: '/f' },
          { Type: 'tmpfs', Target: '/g' },
          { Type: 'volume', Source: 'plain', Target: '/h' },
        ],
      },
    });
    expect(volumes(body)).toEqual([
      { name: 'data', driver: 'nfs', driverOpts: {}, labels: {} },
      { name: 'other', driver: 'nfs', driverOpts: {}, labels: {} },
      { name: 'plain', driver: '', driverOpts: {}, labels: {} },
    ]);
  });

  it('member names fold as Go folds them', () => {
    expect(volumes('{"hostconfig":{"BINDS":["a:/a"],"mounts":[{"type":"volume","ſource":"b","TARGET":"/b"}]}}')).toEqual([
      { name: 'a', driver: '', driverOpts: {}, labels: {} },
      { name: 'b', driver: '', driverOpts: {}, labels: {} },
    ]);
  });

  it('no HostConfig, null members, anonymous volumes and host paths: none', () => {
    expect(volumes('')).toEqual([]);
    expect(volumes('{"Image":"i","Volumes":{"/data":{}}}')).toEqual([]);
    expect(volumes('{"HostConfig":null}')).toEqual([]);
    expect(volumes('{"HostConfig":{"Binds":null,"Mounts":null,"VolumeDriver":null}}')).toEqual([]);
    expect(volumes('{"HostConfig":{"Binds":["/data","/a:/b"]}}')).toEqual([]);
    expect(volumes('{"HostConfig":{"Mounts":[{"Type":"Volume","Source":"x","Target":"/x"}]}}')).toEqual([]);
  });

  it.each([
    ['a member twice (Go would merge them)', '{"HostConfig":{"Binds":["a:/a"],"binds":["b:/b"]}}', /both are read as "Binds"/],
    ['HostConfig twice', '{"HostConfig":{},"hostconfig":{"Binds":["b:/b"]}}', /both are read as "HostConfig"/],
    ['a mount with two sources', '{"HostConfig":{"Mounts":[{"Type":"volume","Source":"a","ſource":"b"}]}}', /both are read as "Source"/],
    ['top-level Binds (20.10 reads them as a deprecated host config)', '{"Image":"i","Binds":["a:/a"]}', /top level/],
    ['top-level Mounts', '{"Mounts":[{"Type":"volume","Source":"a","Target":"/a"}]}', /top level/],
    ['top-level VolumeDriver', '{"HostConfig":{"Binds":["a:/a"]},"VolumeDriver":"x"}', /top level/],
    ['an ambiguous name', '{"HostConfig":{"B\u0131nds":["a:/a"]}}', /ambiguous/],
    ['Binds not strings', '{"HostConfig":{"Binds":[1]}}', /array of strings/],
    ['a mount that is not an object', '{"HostConfig":{"Mounts":[null]}}', /array of objects/],
    ['driver options not strings', '{"HostConfig":{"Mounts":[{"Type":"volume","Source":"a","VolumeOptions":{"DriverConfig":{"Options":{"o":1}}}}]}}', /object of strings/],
    ['HostConfig not an object', '{"HostConfig":[]}', /must be an object/],
    ['not JSON', '{"HostConfig":', /not a JSON object/],
  ])('refuses %s', (_name, body, message) => {
    const result = implicitVolumes(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it('top-level members that are null are fine', () => {
    expect(volumes('{"Binds":null,"Mounts":null,"HostConfig":{"Binds":["a:/a"]}}')).toEqual([{ name: 'a', driver: '', driverOpts: {}, labels: {} }]);
  });
});

describe("bindVolumeName: moby's Linux bind parser", () => {
  it.each([
    ['name:/data', 'name'],
    ['name:/data:ro', 'name'],
    ['name:/data:ro,nocopy', 'name'],
    ['rel/path:/data', 'rel/path'],
    ['/host:/data', undefined],
    ['/data', undefined],
    [':/data', undefined],
    ['a:b:c:d', undefined],
    ['', undefined],
  ])('%j: %s', (bind, name) => {
    expect(bindVolumeName(bind)).toBe(name);
  });
});

describe('volumeCreateBody', () => {
  it('the volume as dockerd would have created it, with the session label merged into its labels', () => {
    const body = volumeCreateBody({ name: 'recmount', driver: 'local', driverOpts: { type: 'tmpfs' }, labels: { a: 'b', 'docker-janitor.session': 'theirs' } }, { 'docker-janitor.session': 's1' });
    expect(JSON.parse(body)).toEqual({ Name: 'recmount', Driver: 'local', DriverOpts: { type: 'tmpfs' }, Labels: { a: 'b', 'docker-janitor.session': 's1' } });
  });
});
