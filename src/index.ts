/**
 * docker-janitor's public API. Re-exports only; everything not named here is internal.
 * Runner integrations have their own entry points: `docker-janitor/vitest`, `docker-janitor/jest`,
 * `docker-janitor/session`.
 */
export { cleanImages, type CleanContext, type CleanImagesOptions } from './cleaner/clean.js';
export { planImageCleanup, type ImagePlan, type ImageScope, type PlanInput, type PlanOptions } from './cleaner/plan.js';
export { engineFromOptions, type ChosenEngine, type EngineOptions } from './docker/create.js';
export type { Engine } from './docker/engine.js';
export type { CleanResult, ContainerRef, FailedImage, RemovedImage, SkippedImage, SkipReason } from './cleaner/result.js';
export {
  DockerApiError,
  DockerCommandError,
  DockerError,
  DockerNotAnEngineError,
  DockerNotFoundError,
  DockerNotInstalledError,
  DockerNotSentError,
  DockerTimeoutError,
  DockerUnreachableError,
  isDockerError,
  type DockerErrorCode,
} from './docker/errors.js';
export type { ContainerInfo, ImageInfo } from './docker/types.js';
export {
  dockerOptionsSchema,
  imageCleanOptionsSchema,
  janitorOptionsSchema,
  OptionsError,
  parseOptions,
  type DockerOptions,
  type ImageCleanOptions,
  type ImageCleanOptionsInput,
  type JanitorOptions,
  type JanitorOptionsInput,
} from './options/schema.js';
export { REPORT_SCHEMA_VERSION, type Report, type ReportHeader, type SweepJson } from './publish/report.js';
export { publishOptionsSchema, type PublishOptions } from './options/schema.js';
export { colorEnabled } from './render/colors.js';
export { renderJobSummary, type JobSummaryInput } from './render/job-summary.js';
export { renderCleanSummary, renderTeardownSummary, type RenderOptions } from './render/summary.js';
export type { FailedResource, ResourceKind, ResourceOutcomes, ResourceRef, TeardownResult } from './session/result.js';
export { openSession, type OpenSessionContext, type Session } from './session/open.js';
export type { SignalCleanup } from './session/processes.js';
export { sweepDeadSessions, sweepSession, type SweepOptions, type SweepReport, type SweptSession } from './session/sweep.js';
export { SESSION_LABEL } from './session/names.js';
