/** Adoption: containers created during the run that match the configured filters join the session. */
import { matchesLabelFilters } from '../docker/labels.js';
import type { CreateEvent } from '../docker/resources.js';

export interface AdoptOptions {
  readonly labels: readonly string[];
  readonly all: boolean;
}

export function adoptionEnabled(adopt: AdoptOptions): boolean {
  return adopt.all || adopt.labels.length > 0;
}

/** IDs of the created containers to adopt: all of them, or those matching ANY label filter. */
export function selectAdopted(events: readonly CreateEvent[], adopt: AdoptOptions): string[] {
  if (!adoptionEnabled(adopt)) return [];
  const ids = new Set<string>();
  for (const event of events) {
    if (adopt.all || adopt.labels.some((filter) => matchesLabelFilters(event.labels, [filter]))) ids.add(event.id);
  }
  return [...ids];
}
