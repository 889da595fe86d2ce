import { AwsJsonError, type CommonErrorName } from '../core/aws_errors.js';

/**
 * An error Cognito itself would return: `type` is the `__type` the SDKs map to `error.name`
 * (`NotAuthorizedException`...), the message is Cognito's wording where it has a fixed one.
 */
export class CognitoError extends AwsJsonError<CognitoErrorName> {}

/** The `__type`s Cognito user pools answer with (the ones the local user pool can produce). */
export type CognitoErrorName =
  | CommonErrorName
  | 'InvalidParameterException'
  | 'NotAuthorizedException'
  | 'UserNotFoundException'
  | 'UserNotConfirmedException'
  | 'UsernameExistsException'
  | 'AliasExistsException'
  | 'InvalidPasswordException'
  | 'CodeMismatchException'
  | 'ExpiredCodeException'
  | 'ResourceNotFoundException'
  | 'LimitExceededException'
  | 'PasswordResetRequiredException'
  | 'UserLambdaValidationException'
  | 'UnexpectedLambdaException'
  | 'InvalidLambdaResponseException'
  | 'EnableSoftwareTokenMFAException'
  | 'SoftwareTokenMFANotFoundException'
  | 'UnsupportedTokenTypeException'
  | 'UnsupportedOperationException'
  | 'UnauthorizedException'
  | 'InvalidUserPoolConfigurationException'
  | 'MFAMethodNotFoundException'
  | 'UnsupportedUserStateException'
  | 'CodeDeliveryFailureException'
  | 'InternalErrorException';

const make = (type: CognitoErrorName, status = 400) => (message: string) => new CognitoError(type, message, status);

export const errors = {
  invalidParameter: make('InvalidParameterException'),
  notAuthorized: make('NotAuthorizedException'),
  userNotFound: make('UserNotFoundException'),
  userNotConfirmed: make('UserNotConfirmedException'),
  usernameExists: make('UsernameExistsException'),
  aliasExists: make('AliasExistsException'),
  invalidPassword: make('InvalidPasswordException'),
  codeMismatch: make('CodeMismatchException'),
  expiredCode: make('ExpiredCodeException'),
  resourceNotFound: make('ResourceNotFoundException'),
  limitExceeded: make('LimitExceededException'),
  passwordResetRequired: make('PasswordResetRequiredException'),
  userLambdaValidation: make('UserLambdaValidationException'),
  unexpectedLambda: make('UnexpectedLambdaException'),
  invalidLambdaResponse: make('InvalidLambdaResponseException'),
  enableSoftwareTokenMfa: make('EnableSoftwareTokenMFAException'),
  softwareTokenMfaNotFound: make('SoftwareTokenMFANotFoundException'),
  unsupportedTokenType: make('UnsupportedTokenTypeException'),
  unsupportedOperation: make('UnsupportedOperationException'),
  unauthorized: make('UnauthorizedException'),
  serialization: make('SerializationException'),
  unknownOperation: make('UnknownOperationException'),
  invalidUserPoolConfiguration: make('InvalidUserPoolConfigurationException'),
  mfaMethodNotFound: make('MFAMethodNotFoundException'),
  unsupportedUserState: make('UnsupportedUserStateException'),
  codeDeliveryFailure: make('CodeDeliveryFailureException'),
  internal: make('InternalErrorException', 500),
  // SigV4 failures on admin calls, as the AWS JSON protocol reports them.
  unrecognizedClient: make('UnrecognizedClientException'),
  invalidSignature: make('InvalidSignatureException', 403),
  expiredToken: make('ExpiredTokenException', 403),
  incompleteSignature: make('IncompleteSignatureException', 403),
  missingAuthenticationToken: make('MissingAuthenticationTokenException', 403),
  accessDenied: make('AccessDeniedException', 400),
};

/** Cognito never tells a caller which of username or password was wrong. */
export const INCORRECT_CREDENTIALS = 'Incorrect username or password.';
