/** Where a recorded session's engine is, resolved as at setup (host, else context) in an environment. */
import type { ResolvedEndpoint } from '../docker/endpoint.js';
import { endpointFromOptions } from '../docker/endpoint-here.js';
import type { SessionRecord } from './record.js';

/** The endpoint a record's engine resolves to in `env` (the session socket's upstream). */
export function endpointFor(record: Pick<SessionRecord, 'docker'>, env: NodeJS.ProcessEnv = process.env): ResolvedEndpoint {
  return endpointFromOptions({
    ...(record.docker.host ? { host: record.docker.host } : record.docker.context ? { context: record.docker.context } : {}),
    env,
  });
}
