/**
 * Raised when the assembly cannot be turned into a model: a missing file, or a value the loader
 * cannot resolve. The message names the stack, the logical id and the intrinsic, so the user can
 * find the construct in backend.ts; `resolution` says what to do about it.
 */
export class AssemblyError extends Error {
  override readonly name = 'AssemblyError';
  readonly resolution: string;
  readonly stackName?: string;
  readonly logicalId?: string;
  readonly intrinsic?: string;

  constructor(
    message: string,
    details: { resolution?: string; stack?: string; logicalId?: string; intrinsic?: string } = {},
  ) {
    super(message);
    this.resolution =
      details.resolution ??
      'The local cloud does not emulate this part of the backend; remove or change it, or report the construct that produced it.';
    this.stackName = details.stack;
    this.logicalId = details.logicalId;
    this.intrinsic = details.intrinsic;
  }
}
