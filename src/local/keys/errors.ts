import { jsonError, type CommonErrorName } from '../core/aws_errors.js';

/** The `__type`s KMS answers the emulated operations with. */
export type KmsErrorName =
  | CommonErrorName
  | 'NotFoundException'
  | 'DisabledException'
  | 'InvalidCiphertextException'
  | 'IncorrectKeyException'
  | 'InvalidKeyUsageException'
  | 'KMSInvalidStateException'
  | 'InvalidMarkerException'
  | 'UnsupportedOperationException'
  | 'DryRunOperationException';

/** A KMS refusal; `name` is the AWS error name, so in-process callers can tell them apart too. */
export class KmsError extends Error {
  constructor(
    readonly type: KmsErrorName,
    message: string,
  ) {
    super(message);
    this.name = type;
  }

  toResponse(requestId: string): Response {
    return jsonError<KmsErrorName>(400, this.type, this.message, {}, { requestId });
  }
}

/** KMS's model-constraint wording: `1 validation error detected: Value null at 'keyId' failed to satisfy constraint: …`. */
export function validationError(problems: string[]): KmsError {
  return new KmsError('ValidationException', `${problems.length} validation error${problems.length > 1 ? 's' : ''} detected: ${problems.join('; ')}`);
}
