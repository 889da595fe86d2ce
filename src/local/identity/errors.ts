import { AwsJsonError, type CommonErrorName } from '../core/aws_errors.js';

/** An error the Cognito identity service itself returns (`__type` is what the SDKs surface as `error.name`). */
export class IdentityError extends AwsJsonError<IdentityErrorName> {}

/** The `__type`s Cognito identity pools answer with (the ones the local identity pool can produce). */
export type IdentityErrorName =
  | CommonErrorName
  | 'NotAuthorizedException'
  | 'ResourceNotFoundException'
  | 'InvalidParameterException'
  | 'InvalidIdentityPoolConfigurationException';

const make = (type: IdentityErrorName, status = 400) => (message: string) => new IdentityError(type, message, status);

export const errors = {
  notAuthorized: make('NotAuthorizedException'),
  resourceNotFound: make('ResourceNotFoundException'),
  invalidParameter: make('InvalidParameterException'),
  invalidPoolConfiguration: make('InvalidIdentityPoolConfigurationException'),
  serialization: make('SerializationException'),
  unknownOperation: make('UnknownOperationException'),
};

/** Cognito's fixed wording, so apps that match on messages behave as against AWS. */
export const MESSAGES = {
  unauthDisabled: 'Unauthenticated access is not supported for this identity pool.',
  unsupportedProvider: 'Token is not from a supported provider of this identity pool.',
  loginsDontMatch: "Logins don't match. Please include at least one valid login for this identity or identity pool.",
  noRoles: 'Invalid identity pool configuration. Check assigned IAM roles for this pool.',
  identityForbidden: (identityId: string) => `Access to Identity '${identityId}' is forbidden.`,
  poolNotFound: (poolId: string) => `IdentityPool '${poolId}' not found.`,
  identityNotFound: (identityId: string) => `Identity '${identityId}' not found.`,
};
