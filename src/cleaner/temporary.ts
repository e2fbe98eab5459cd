/**
 * Temporary references: the cleaner removes an image through a reference it created itself
 * (`docker-janitor-remove:<run>-<n>`), never through the image ID. Docker then deletes the image
 * only when no other reference remains (moby `image_delete.go`), so a tag or a digest added after
 * the listing survives. Pure helpers.
 */
import { randomBytes } from 'node:crypto';

/** The repository of every temporary reference. */
export const TEMPORARY_REPO = 'docker-janitor-remove';

/** A new run ID: 12 hex digits, unique enough to never meet another run's tag. */
export function newRunId(): string {
  return randomBytes(6).toString('hex');
}

/** `docker-janitor-remove:<run>-<n>`: the repo and the tag apart, as `tagImage` takes them. */
export function temporaryTag(runId: string, index: number): { readonly repo: string; readonly tag: string; readonly reference: string } {
  const tag = `${runId}-${index}`;
  return { repo: TEMPORARY_REPO, tag, reference: `${TEMPORARY_REPO}:${tag}` };
}

/** Whether `reference` is one of ours (`docker-janitor-remove:…`, or with a registry-less `docker.io/library/` prefix). */
export function isTemporaryReference(reference: string): boolean {
  const bare = reference.replace(/^(docker\.io\/)?(library\/)?/, '');
  return bare.startsWith(`${TEMPORARY_REPO}:`);
}

/**
 * An image whose only tags are temporary ones: left behind by a clean that met a container in
 * its window (or was interrupted). A later clean retries removing those references.
 */
export function onlyTemporaryTags(repoTags: readonly string[]): boolean {
  return repoTags.length > 0 && repoTags.every(isTemporaryReference);
}
