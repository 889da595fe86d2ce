/** Errors raised while resolving a field, carried in AppSync's error shape. */

/** `$util.error` / `$util.unauthorized` / `$util.validate` and data-source failures: the field resolves to null. */
export class FieldError extends Error {
  constructor(
    message: string,
    readonly errorType: string | null = null,
    readonly data: unknown = null,
    readonly errorInfo: unknown = null,
  ) {
    super(message);
  }
}

/** `$util.appendError`: reported, but the field keeps its value. */
export interface AppendedError {
  message: string;
  errorType: string | null;
  data: unknown;
  errorInfo: unknown;
}

export function unauthorized(fieldName: string, typeName: string): FieldError {
  return new FieldError(`Not Authorized to access ${fieldName} on type ${typeName}`, 'Unauthorized');
}
