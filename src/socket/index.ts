export { startSessionSocket, SessionSocketError, DEFAULT_MAX_BODY_BYTES, type SessionSocket, type SessionSocketOptions } from './server.js';
export { upstreamFor, type Upstream } from './upstream.js';
export { labelTarget, mergeBodyLabels, mergeBuildLabels, type Labels } from './rewrite.js';
export { waitUntilServing, type PingResult } from './ready.js';
export { socketEnvironment, applyEnvironment, SOCKET_ENV_UNSET, type SocketEnvironment } from './environment.js';
export { bindSessionSocket, sessionSocketPath, SOCKET_DIR, SOCKET_FILE, type BoundSocket } from './bind.js';
export { DEFAULT_IN_FLIGHT_MS, type CloseReport } from './close-report.js';
export { claimSocket, claimPath, type Claimant, type ClaimOutcome } from './claim.js';
