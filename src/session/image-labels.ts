/**
 * The labels the session socket gives the images made through it (session/names.ts has the
 * container label; this module is ESM only), and the image scope that reads them.
 */
import type { ImageScope } from '../cleaner/plan.js';
import type { JanitorOptions } from '../options/schema.js';
import { SESSION_LABEL } from './names.js';

/**
 * On images made through the session socket (build, commit, import): the session that made it.
 * Not {@link SESSION_LABEL}: dockerd copies an image's labels into every container made from it,
 * also by another client directly on the engine, and teardown removes the containers carrying
 * the session label.
 */
export const BUILD_SESSION_LABEL = 'docker-janitor.build-session';
/**
 * The labels of one image made through session `sessionId`'s socket: {@link BUILD_SESSION_LABEL},
 * and {@link SESSION_LABEL} set empty, so that the image never passes a session's container label
 * on (the one a commit copies from its container, or a build from its base, included). Which
 * images are the session's own is recorded from the engine's answers (socket/made-image.ts):
 * an image made FROM one of them outside the socket inherits these labels too.
 */
export function imageLabelsFor(sessionId: string): Record<string, string> {
  return { [SESSION_LABEL]: '', [BUILD_SESSION_LABEL]: sessionId };
}

/**
 * The images session `sessionId` may touch for `images: mode` (cleaner/plan.ts). `before-and-own`
 * (default): the images that existed at setup (`before`: every image, tagged too: a tag rebuilt
 * during the run leaves its old image dangling) and the session's own; `session`: only its own
 * (`made` through its socket and recorded, or labelled with it; `labelOwns` false when it had the
 * socket: the label alone then makes no image its own). Never an image another process made
 * during the run.
 */
export function sessionImageScope(mode: JanitorOptions['images'], sessionId: string, before: Set<string> | undefined, made: ReadonlySet<string>, labelOwns: boolean): ImageScope {
  if (mode === 'all') return { kind: 'all' };
  return {
    kind: 'session',
    mode: mode === 'session' ? 'own' : 'before-and-own',
    before,
    label: [SESSION_LABEL, sessionId],
    build: { session: BUILD_SESSION_LABEL, made },
    labelOwns,
  };
}
