/** The errors a template raises: at compile time (cannot parse or run it) and while rendering. */

/** A template that could not be parsed or uses a construct this engine cannot run. */
export class VtlCompileError extends Error {
  override readonly name = 'VtlCompileError';
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}
