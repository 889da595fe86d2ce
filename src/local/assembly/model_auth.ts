/** The Cognito part of the backend model: the user pool, its clients and the identity pool. */

export type CognitoTrigger =
  | 'PreSignUp'
  | 'PostConfirmation'
  | 'PreAuthentication'
  | 'PostAuthentication'
  | 'PreTokenGeneration'
  | 'CustomMessage'
  | 'DefineAuthChallenge'
  | 'CreateAuthChallenge'
  | 'VerifyAuthChallengeResponse'
  | 'UserMigration'
  | 'CustomEmailSender'
  | 'CustomSMSSender';

export interface AttributeSchema {
  /** Cognito attribute name, e.g. `email`, `phone_number`, `given_name`, `custom:tier`. */
  name: string;
  required: boolean;
  mutable: boolean;
  dataType: 'String' | 'Number' | 'DateTime' | 'Boolean';
  minLength?: number;
  maxLength?: number;
}

export interface PasswordPolicy {
  minimumLength: number;
  requireLowercase: boolean;
  requireUppercase: boolean;
  requireNumbers: boolean;
  requireSymbols: boolean;
  temporaryPasswordValidityDays: number;
}

export interface UserPoolModel {
  logicalId: string;
  /** Local pool id, `<region>_<9 alnum>`, stable for a given assembly. */
  id: string;
  name: string;
  /** `email` and/or `phone_number` when they are used as the username (UsernameAttributes). */
  usernameAttributes: string[];
  aliasAttributes: string[];
  /** AutoVerifiedAttributes: `email`, `phone_number`. */
  autoVerifiedAttributes: string[];
  /** Standard + custom attributes with their constraints. */
  schema: AttributeSchema[];
  passwordPolicy: PasswordPolicy;
  mfaConfiguration: 'OFF' | 'ON' | 'OPTIONAL';
  /** Enabled MFA types, e.g. `SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`. */
  enabledMfas: string[];
  /** AccountRecoverySetting.RecoveryMechanisms ordered by priority (`verified_email`, `verified_phone_number`, `admin_only`). */
  accountRecovery: string[];
  verificationMessage: {
    emailSubject?: string;
    emailMessage?: string;
    smsMessage?: string;
    defaultEmailOption?: 'CONFIRM_WITH_CODE' | 'CONFIRM_WITH_LINK';
  };
  mfaMessage?: string;
  /** Lambda triggers declared on the pool → the `FunctionModel.logicalId` they invoke. */
  triggers: Partial<Record<CognitoTrigger, string>>;
  /** AdminCreateUserConfig.AllowAdminCreateUserOnly. */
  adminCreateUserOnly: boolean;
  groups: { name: string; precedence?: number; roleArn?: string; description?: string }[];
  /** Local pool ARN. */
  arn?: string;
  /** UsernameConfiguration.CaseSensitive (Cognito's API default when absent: true). */
  usernameCaseSensitive?: boolean;
  /** UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate. */
  attributesRequireVerificationBeforeUpdate?: string[];
  /** AdminCreateUserConfig.UnusedAccountValidityDays / InviteMessageTemplate. */
  inviteMessage?: { emailSubject?: string; emailMessage?: string; smsMessage?: string };
  /** `LambdaConfig.PreTokenGenerationConfig.LambdaVersion` (`V1_0`, `V2_0`, `V3_0`) when declared that way. */
  preTokenGenerationVersion?: string;
  /** `LambdaConfig.KMSKeyID`: the key custom sender triggers get their codes encrypted under (a key ARN). */
  kmsKeyArn?: string;
}

export interface UserPoolClientModel {
  logicalId: string;
  /** Local client id (26 lowercase alnum, like Cognito's). */
  id: string;
  name: string;
  accessTokenValidityMinutes: number;
  idTokenValidityMinutes: number;
  refreshTokenValidityMinutes: number;
  /** ExplicitAuthFlows as in the template, e.g. `ALLOW_USER_SRP_AUTH`, `ALLOW_REFRESH_TOKEN_AUTH`. */
  explicitAuthFlows: string[];
  enableTokenRevocation: boolean;
  preventUserExistenceErrors: boolean;
  readAttributes?: string[];
  writeAttributes?: string[];
  /** AuthSessionValidity in minutes (Cognito default 3). */
  authSessionValidityMinutes?: number;
  /** Local client secret when the template asks for one (GenerateSecret). */
  clientSecret?: string;
  callbackUrls?: string[];
  logoutUrls?: string[];
  allowedOAuthFlows?: string[];
  allowedOAuthScopes?: string[];
}

export interface IdentityPoolModel {
  logicalId: string;
  /** Local identity pool id, `<region>:<uuid>`. */
  id: string;
  name: string;
  allowUnauthenticated: boolean;
  /** Cognito user pool providers accepted in `Logins`. */
  providers: { userPoolId: string; clientId: string }[];
  /** Role ARNs from the role attachment. */
  authenticatedRoleArn?: string;
  unauthenticatedRoleArn?: string;
  /**
   * IdentityPoolRoleAttachment.RoleMappings: `provider` is `<providerName>:<clientId>` as in the template
   * (its region/pool are local). `Token` means: use the token's `cognito:preferred_role`/`cognito:roles`.
   */
  roleMappings?: {
    provider: string;
    type: 'Token' | 'Rules';
    ambiguousRoleResolution?: 'AuthenticatedRole' | 'Deny';
    rules?: { claim: string; matchType: string; value: string; roleArn: string }[];
  }[];
}

/** One user pool of the backend with its app clients. */
export interface UserPoolEntry {
  userPool: UserPoolModel;
  clients: UserPoolClientModel[];
}

export interface AuthModel {
  /** The primary user pool: defineAuth's (the root output `userPoolId`), else the first. */
  userPool: UserPoolModel;
  clients: UserPoolClientModel[];
  /** The client the outputs name as `user_pool_client_id` (Amplify's web client). */
  defaultClientId: string;
  /** The primary identity pool (root output `identityPoolId`, else the first). */
  identityPool?: IdentityPoolModel;
  /**
   * Every user pool of the assembly, the primary first (raw CDK `UserPool`s next to defineAuth's).
   * Optional for hand-built models: absent means just the primary. Read through `userPoolsOf`.
   */
  userPools?: UserPoolEntry[];
  /** Every identity pool, the primary first. Read through `identityPoolsOf`. */
  identityPools?: IdentityPoolModel[];
}

/** Every user pool of the model with its clients, the primary first. */
export function userPoolsOf(model: { auth?: AuthModel }): UserPoolEntry[] {
  const auth = model.auth;
  if (!auth) return [];
  return auth.userPools ?? [{ userPool: auth.userPool, clients: auth.clients }];
}

/** Every identity pool of the model, the primary first. */
export function identityPoolsOf(model: { auth?: AuthModel }): IdentityPoolModel[] {
  const auth = model.auth;
  if (!auth) return [];
  return auth.identityPools ?? (auth.identityPool ? [auth.identityPool] : []);
}

export function userPoolById(model: { auth?: AuthModel }, userPoolId: string): UserPoolEntry | undefined {
  return userPoolsOf(model).find((e) => e.userPool.id === userPoolId);
}

/** The user pool an app client belongs to. */
export function userPoolOfClient(model: { auth?: AuthModel }, clientId: string): UserPoolEntry | undefined {
  return userPoolsOf(model).find((e) => e.clients.some((c) => c.id === clientId));
}

export function identityPoolById(model: { auth?: AuthModel }, identityPoolId: string): IdentityPoolModel | undefined {
  return identityPoolsOf(model).find((p) => p.id === identityPoolId);
}
