/** Maps the answer of a batched `docker image rm ID…` back to each image. Pure. */
import { classifyRemoveFailure, type ClassifiedFailure } from '../docker/classify.js';
import { parseDeletedIds, parseErrorLines } from '../docker/parse.js';
import type { ContainerRef, SkipReason } from './result.js';

export type RemoveOutcome =
  | { readonly kind: 'removed' }
  | { readonly kind: 'skipped'; readonly reason: SkipReason; readonly containers: ContainerRef[]; readonly message: string }
  | { readonly kind: 'failed'; readonly message: string };

export interface BatchAnswer {
  /** Outcome per image ID that could be told from the answer. */
  readonly outcomes: Map<string, RemoveOutcome>;
  /** IDs whose fate the answer does not tell: ask again one by one. */
  readonly unresolved: string[];
}

export function mapBatchAnswer(ids: readonly string[], answer: { stdout: string; stderr: string; exitCode: number }): BatchAnswer {
  const deleted = parseDeletedIds(answer.stdout);
  const failures = new Map<string, ClassifiedFailure>();
  for (const line of parseErrorLines(answer.stderr)) {
    const failure = classifyRemoveFailure(line);
    const id = idFor(ids, failure);
    if (id && !failures.has(id)) failures.set(id, failure);
  }

  const outcomes = new Map<string, RemoveOutcome>();
  const unresolved: string[] = [];
  for (const id of ids) {
    const failure = failures.get(id);
    if (deleted.has(id)) {
      // Listed after its own child, an untagged parent is removed along with the child and
      // then answered "No such image": it is removed all the same.
      outcomes.set(id, { kind: 'removed' });
    } else if (failure) {
      outcomes.set(id, outcomeOf(failure));
    } else {
      unresolved.push(id);
    }
  }
  return { outcomes, unresolved };
}

/** The outcome of one image from one classified daemon answer. */
export function outcomeOf(failure: ClassifiedFailure): RemoveOutcome {
  if (failure.reason === 'other') return { kind: 'failed', message: failure.message };
  return {
    kind: 'skipped',
    reason: failure.reason,
    containers: failure.container ? [{ id: failure.container }] : [],
    message: failure.message,
  };
}

/** Conflict lines name the 12-hex prefix of the resolved ID; not-found lines echo the argument. */
function idFor(ids: readonly string[], failure: ClassifiedFailure): string | undefined {
  if (failure.reference) {
    const reference = failure.reference;
    return ids.find((id) => id === reference) ?? ids.find((id) => id.startsWith(reference));
  }
  if (failure.imagePrefix) {
    const prefix = failure.imagePrefix;
    const matches = ids.filter((id) => id.slice('sha256:'.length).startsWith(prefix));
    return matches.length === 1 ? matches[0] : undefined;
  }
  return undefined;
}
