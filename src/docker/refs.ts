/**
 * The one check every image removal passes, at both transports: an {@link ImageRef} is a full
 * `sha256:` ID, or a `repo:tag` reference with an explicit tag. Never a short ID, never a bare
 * name (docker would add `:latest`), never anything that could read as an option.
 */
import type { ImageRef } from './engine.js';

const FULL_IMAGE_ID = /^sha256:[0-9a-f]{64}$/;
/** Lower-case path components (optionally after a registry host[:port]) and a tag. */
const REFERENCE = /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*:[\w][\w.-]{0,127}$/;

/** The string a removal sends for `ref`; throws a TypeError for anything else. */
export function refText(ref: ImageRef): string {
  if ('id' in ref) {
    if (!FULL_IMAGE_ID.test(ref.id)) throw new TypeError(`refusing to remove image "${ref.id}": not a full sha256: ID`);
    return ref.id;
  }
  if (!REFERENCE.test(ref.reference) || ref.reference.startsWith('sha256:')) {
    throw new TypeError(`refusing to remove image reference "${ref.reference}": not a repo:tag reference`);
  }
  return ref.reference;
}

export function isFullImageId(text: string): text is `sha256:${string}` {
  return FULL_IMAGE_ID.test(text);
}
