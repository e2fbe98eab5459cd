/** A bad option, named with the value given and what is allowed. No zod here: loaded on every path. */
export class OptionsError extends Error {
  override readonly name = 'OptionsError';
  constructor(
    message: string,
    readonly issues: ReadonlyArray<{ path: string; message: string; received: unknown }>,
  ) {
    super(message);
  }
}
