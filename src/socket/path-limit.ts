/**
 * The longest path a unix socket can be bound or reached at: `sun_path` is 108 bytes on Linux
 * and 104 on macOS and the BSDs, with the terminating NUL. Node does not refuse a longer path:
 * it truncates it, binds a socket file somewhere else (in a parent directory, under a cut name)
 * and the chmod and rename that follow fail. So the length is checked before anything is bound.
 */
export function maxSocketPathBytes(platform: string = process.platform): number {
  return platform === 'linux' ? 107 : 103;
}

/** Pure: why a socket cannot be bound at `path` on `platform`, or undefined. */
export function socketPathProblem(path: string, platform: string = process.platform): string | undefined {
  const bytes = Buffer.byteLength(path);
  const max = maxSocketPathBytes(platform);
  return bytes > max
    ? `its path is ${bytes} bytes, over the ${max}-byte limit of a unix socket path (a shorter DOCKER_JANITOR_STATE_DIR makes it fit)`
    : undefined;
}
