/**
 * The environment a test process gets while a session socket serves it: DOCKER_HOST on the
 * socket, and none of the variables that would send a client elsewhere or make it speak TLS to
 * a unix socket (TLS, if any, is the socket's business upstream). Pure: applied and restored
 * by the caller.
 */
export const SOCKET_ENV_UNSET = ['DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH'] as const;

export interface SocketEnvironment {
  readonly set: Readonly<Record<string, string>>;
  readonly unset: readonly string[];
}

export function socketEnvironment(socketPath: string): SocketEnvironment {
  return { set: { DOCKER_HOST: `unix://${socketPath}` }, unset: [...SOCKET_ENV_UNSET] };
}

/** Applies `change` to `target`; returns the function that puts back exactly what was there. */
export function applyEnvironment(target: NodeJS.ProcessEnv, change: SocketEnvironment): () => void {
  const keys = [...Object.keys(change.set), ...change.unset];
  const saved = keys.map((key) => [key, Object.prototype.hasOwnProperty.call(target, key), target[key]] as const);
  for (const key of change.unset) delete target[key];
  for (const [key, value] of Object.entries(change.set)) target[key] = value;
  return () => {
    for (const [key, had, value] of saved) {
      if (had && value !== undefined) target[key] = value;
      else delete target[key];
    }
  };
}
