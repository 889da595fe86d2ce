import { jsonError, type CommonErrorName } from '../core/aws_errors.js';

/** The `__type`s SSM Parameter Store answers with (the SDK surfaces them as `error.name`). */
export type SsmErrorName =
  | CommonErrorName
  | 'ParameterNotFound'
  | 'ParameterAlreadyExists'
  | 'ParameterVersionNotFound'
  | 'ParameterPatternMismatchException'
  | 'InvalidAllowedPatternException'
  | 'HierarchyLevelLimitExceededException'
  | 'UnsupportedParameterType'
  | 'InvalidKeyId'
  | 'InvalidFilterKey'
  | 'InvalidFilterOption'
  | 'InvalidFilterValue'
  | 'InvalidNextToken'
  | 'TooManyUpdates'
  | 'InternalServerError';

/** A refusal in SSM's words; thrown before anything is changed. */
export class SsmError extends Error {
  constructor(
    readonly type: SsmErrorName,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }

  toResponse(requestId: string): Response {
    return jsonError<SsmErrorName>(this.status, this.type, this.message, {}, { requestId });
  }
}

/** AWS's model-constraint wording: `1 validation error detected: Value … at '…' failed to satisfy constraint: …`. */
export function validationError(problems: string[]): SsmError {
  const n = problems.length;
  return new SsmError('ValidationException', `${n} validation error${n > 1 ? 's' : ''} detected: ${problems.join('; ')}`);
}

export const notFound = (name: string) => new SsmError('ParameterNotFound', `Parameter ${name} not found. ((local: set it with PutParameter or \`npm run local:secret -- set <NAME>\`))`);
