/**
 * The named volumes a container create makes on the engine by itself, read from its JSON body
 * as dockerd reads it (moby `daemon/volumes.go`, `registerMountPoints`), as a pure function.
 *
 * dockerd creates a volume for every named volume the container mounts that does not exist yet,
 * with no labels of its own: `HostConfig.Binds` entries `NAME:/path[:mode]` (a source that is
 * not an absolute path is a volume name; driver `HostConfig.VolumeDriver`), then
 * `HostConfig.Mounts` entries of `Type` `volume` with a `Source` (driver, driver options and
 * labels from `VolumeOptions`). An existing volume of that name is used as it is.
 *
 * The socket creates each of these volumes itself, with the session label, before it forwards
 * the create (connection.ts): a volume that already exists comes back unchanged, so the label
 * says exactly who created it. To do that it must find every volume dockerd would create, so
 * what it cannot read the way dockerd does is refused instead: member names that fold to the
 * same field twice (Go would merge them), host config members at the top level of the body
 * (20.10 still reads them there, newer engines do not), and values of the wrong type (dockerd
 * refuses those too).
 */
import { arrayElementsAt, memberMatch, objectLayout, objectLayoutAt, skipWs, type JsonObjectLayout } from './json-object.js';

/** One volume to create before the container: what dockerd would have created it with. */
export interface ImplicitVolume {
  readonly name: string;
  /** The driver name as dockerd would pass it ('' for the default). */
  readonly driver: string;
  readonly driverOpts: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

export type ImplicitVolumes = { readonly ok: true; readonly volumes: ImplicitVolume[] } | { readonly ok: false; readonly message: string };

class Refused extends Error {}

/** The named volumes the container create `body` would make, in the order dockerd makes them, each once. */
export function implicitVolumes(body: string): ImplicitVolumes {
  return implicitVolumesOf(body, body.trim() === '' ? undefined : objectLayout(body));
}

/** {@link implicitVolumes} of a body whose top-level `layout` is known (undefined: blank, or not a JSON object). */
export function implicitVolumesOf(body: string, layout: JsonObjectLayout | undefined): ImplicitVolumes {
  if (body.trim() === '') return { ok: true, volumes: [] };
  if (!layout) return { ok: false, message: 'the request body is not a JSON object' };
  try {
    const top = new Members(body, layout, 'the body');
    for (const field of ['Binds', 'Mounts', 'VolumeDriver']) {
      const member = top.get(field);
      if (member && body.slice(member.valueStart, member.end) !== 'null') {
        throw new Refused(`"${member.key}" at the top level of a container create is not accepted (engines before 23.0 read it as a deprecated host config, later ones ignore it): put it in "HostConfig"`);
      }
    }
    const hostConfig = top.object('HostConfig');
    if (!hostConfig) return { ok: true, volumes: [] };
    const driver = hostConfig.string('VolumeDriver');
    const volumes = new Map<string, ImplicitVolume>();
    for (const bind of hostConfig.strings('Binds')) {
      const name = bindVolumeName(bind);
      if (name !== undefined && !volumes.has(name)) volumes.set(name, { name, driver, driverOpts: {}, labels: {} });
    }
    for (const mount of hostConfig.objects('Mounts')) {
      if (mount.string('Type') !== 'volume') continue;
      const name = mount.string('Source');
      if (name === '' || volumes.has(name)) continue;
      const options = mount.object('VolumeOptions');
      const driverConfig = options?.object('DriverConfig');
      volumes.set(name, {
        name,
        driver: driverConfig?.string('Name') ?? '',
        driverOpts: driverConfig?.stringMap('Options') ?? {},
        labels: options?.stringMap('Labels') ?? {},
      });
    }
    return { ok: true, volumes: [...volumes.values()] };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, message: error.message };
    throw error;
  }
}

/**
 * The volume name in a bind `SOURCE:TARGET[:MODE]`, as moby's Linux parser reads it: at most
 * two colons, a non-empty source that is not an absolute path. Undefined for a host path, a bare
 * target (an anonymous volume) or a spec dockerd refuses. Modes are not checked: a volume made
 * for a spec dockerd then refuses carries the session label and goes at teardown.
 */
export function bindVolumeName(bind: string): string | undefined {
  const parts = bind.split(':');
  if (parts.length < 2 || parts.length > 3) return undefined;
  const [source] = parts as [string];
  if (source === '' || source.startsWith('/')) return undefined;
  return source;
}

/** The members of one JSON object, looked up by Go field name. */
class Members {
  constructor(
    private readonly text: string,
    private readonly layout: JsonObjectLayout,
    private readonly where: string,
  ) {}

  /** The one member bound to `field`, or undefined; two of them, or an ambiguous name, are refused. */
  get(field: string) {
    let found: (typeof this.layout.members)[number] | undefined;
    for (const member of this.layout.members) {
      const match = memberMatch(member, field);
      if (match === 'no') continue;
      if (match === 'ambiguous') throw new Refused(`the member name ${JSON.stringify(member.key)} in ${this.where} is ambiguous (it may or may not be read as "${field}")`);
      if (found) throw new Refused(`${this.where} has "${found.key}" and "${member.key}": both are read as "${field}"`);
      found = member;
    }
    return found;
  }

  private value(field: string): { start: number; text: string; key: string; object: JsonObjectLayout | undefined } | undefined {
    const member = this.get(field);
    if (!member) return undefined;
    const text = this.text.slice(member.valueStart, member.end);
    return text === 'null' ? undefined : { start: member.valueStart, text, key: member.key, object: member.object };
  }

  string(field: string): string {
    const value = this.value(field);
    if (!value) return '';
    const parsed: unknown = JSON.parse(value.text);
    if (typeof parsed !== 'string') throw new Refused(`"${value.key}" in ${this.where} must be a string`);
    return parsed;
  }

  object(field: string): Members | undefined {
    const value = this.value(field);
    if (!value) return undefined;
    if (!value.text.startsWith('{')) throw new Refused(`"${value.key}" in ${this.where} must be an object`);
    return new Members(this.text, value.object ?? objectLayoutAt(this.text, value.start), `"${value.key}"`);
  }

  strings(field: string): string[] {
    const value = this.value(field);
    if (!value) return [];
    const parsed: unknown = JSON.parse(value.text);
    if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) throw new Refused(`"${value.key}" in ${this.where} must be an array of strings`);
    return parsed as string[];
  }

  objects(field: string): Members[] {
    const value = this.value(field);
    if (!value) return [];
    if (!value.text.startsWith('[')) throw new Refused(`"${value.key}" in ${this.where} must be an array of objects`);
    return arrayElementsAt(this.text, value.start).map(({ start }, index) => {
      const at = skipWs(this.text, start);
      if (this.text[at] !== '{') throw new Refused(`"${value.key}" in ${this.where} must be an array of objects`);
      return new Members(this.text, objectLayoutAt(this.text, at), `"${value.key}"[${index}]`);
    });
  }

  stringMap(field: string): Record<string, string> {
    const value = this.value(field);
    if (!value) return {};
    const parsed: unknown = JSON.parse(value.text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((item) => typeof item === 'string')) {
      throw new Refused(`"${value.key}" in ${this.where} must be an object of strings`);
    }
    return Object.fromEntries(Object.entries(parsed as Record<string, string>));
  }
}
