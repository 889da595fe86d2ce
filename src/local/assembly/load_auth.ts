import { bool, functionNameOf, num, stringList, whereOf, type LoadContext } from './context.js';
import { derive, ALNUM } from './ids.js';
import type { ResourceNode } from './intrinsics.js';
import type {
  AttributeSchema,
  AuthModel,
  CognitoTrigger,
  IdentityPoolModel,
  PasswordPolicy,
  UserPoolClientModel,
  UserPoolEntry,
  UserPoolModel,
} from './model_auth.js';
import { seedOf } from './physical.js';

/** Cognito's standard attributes: every pool has them, whether or not the Schema mentions them. */
const STANDARD_ATTRIBUTES: Record<string, AttributeSchema['dataType']> = {
  address: 'String', birthdate: 'String', email: 'String', email_verified: 'Boolean', family_name: 'String',
  gender: 'String', given_name: 'String', locale: 'String', middle_name: 'String', name: 'String',
  nickname: 'String', phone_number: 'String', phone_number_verified: 'Boolean', picture: 'String',
  preferred_username: 'String', profile: 'String', sub: 'String', updated_at: 'Number', website: 'String',
  zoneinfo: 'String',
};

const TRIGGERS: CognitoTrigger[] = [
  'PreSignUp', 'PostConfirmation', 'PreAuthentication', 'PostAuthentication', 'PreTokenGeneration',
  'CustomMessage', 'DefineAuthChallenge', 'CreateAuthChallenge', 'VerifyAuthChallengeResponse', 'UserMigration',
];

const MINUTES: Record<string, number> = { seconds: 1 / 60, minutes: 1, hours: 60, days: 1440 };

/**
 * Every user pool with its clients and groups, and every identity pool with its role attachment.
 * The primary ones are those the root outputs name (`userPoolId`, `identityPoolId`: defineAuth's),
 * else the first; raw CDK pools next to them are served as well.
 */
export function loadAuth(ctx: LoadContext): AuthModel | undefined {
  const { r } = ctx;
  const pools = r.resources('AWS::Cognito::UserPool');
  if (pools.length === 0) return undefined;
  const wantedPool = ctx.rootOutput('userPoolId');
  const primaryNode = pools.find((n) => r.ref(n.stack, n.logicalId) === wantedPool) ?? pools[0];
  const clientNodes = r.resources('AWS::Cognito::UserPoolClient');
  const userPools: UserPoolEntry[] = [primaryNode, ...pools.filter((n) => n !== primaryNode)].map((node) => {
    const userPool = loadUserPool(ctx, node);
    const clients = clientNodes.filter((n) => r.propString(n, 'UserPoolId') === userPool.id).map((n) => loadClient(ctx, n));
    return { userPool, clients };
  });
  const primary = userPools[0];
  if (primary.clients.length === 0) {
    r.fail(whereOf(primaryNode), { Ref: primaryNode.logicalId }, 'the user pool has no app client (AWS::Cognito::UserPoolClient)');
  }
  const webClientId = ctx.rootOutput('webClientId');
  const defaultClientId = primary.clients.find((c) => c.id === webClientId)?.id ?? primary.clients[0].id;

  const identityNodes = r.resources('AWS::Cognito::IdentityPool');
  const wantedIdentityPool = ctx.rootOutput('identityPoolId');
  const identityNode = identityNodes.find((n) => r.ref(n.stack, n.logicalId) === wantedIdentityPool) ?? identityNodes[0];
  const identityPools = identityNode
    ? [identityNode, ...identityNodes.filter((n) => n !== identityNode)].map((n) => loadIdentityPool(ctx, n))
    : [];
  return {
    userPool: primary.userPool,
    clients: primary.clients,
    defaultClientId,
    identityPool: identityPools[0],
    userPools,
    identityPools,
  };
}

function loadUserPool(ctx: LoadContext, n: ResourceNode): UserPoolModel {
  const { r } = ctx;
  const id = String(r.ref(n.stack, n.logicalId));
  const props = (name: string) => r.prop(n, name) as Record<string, unknown> | undefined;
  const template = props('VerificationMessageTemplate') ?? {};
  const admin = props('AdminCreateUserConfig') ?? {};
  const invite = (admin.InviteMessageTemplate ?? {}) as Record<string, string | undefined>;
  const mfa = (r.propString(n, 'MfaConfiguration') ?? 'OFF') as UserPoolModel['mfaConfiguration'];
  const recovery = ((props('AccountRecoverySetting')?.RecoveryMechanisms ?? []) as { Name: string; Priority: number }[])
    .slice()
    .sort((a, b) => num(a.Priority)! - num(b.Priority)!)
    .map((m) => m.Name);

  return {
    logicalId: n.logicalId,
    id,
    arn: String(r.getAtt(n.stack, n.logicalId, 'Arn')),
    // Without UserPoolName CloudFormation names the pool after the logical id.
    name: r.propString(n, 'UserPoolName') ?? `${n.logicalId}-${derive(`poolname:${seedOf(n)}`, ALNUM, 12)}`,
    usernameAttributes: stringList(ctx, n, 'UsernameAttributes') ?? [],
    aliasAttributes: stringList(ctx, n, 'AliasAttributes') ?? [],
    autoVerifiedAttributes: stringList(ctx, n, 'AutoVerifiedAttributes') ?? [],
    schema: attributeSchema(r.prop(n, 'Schema') as Record<string, unknown>[] | undefined),
    passwordPolicy: passwordPolicy(props('Policies')?.PasswordPolicy as Record<string, unknown> | undefined),
    mfaConfiguration: mfa,
    // Cognito enables SMS MFA when MFA is on and no types are listed.
    enabledMfas: stringList(ctx, n, 'EnabledMfas') ?? (mfa === 'OFF' ? [] : ['SMS_MFA']),
    // Without a setting Cognito uses its legacy order: phone first, then email.
    accountRecovery: recovery.length > 0 ? recovery : ['verified_phone_number', 'verified_email'],
    verificationMessage: {
      emailSubject: (template.EmailSubject as string | undefined) ?? r.propString(n, 'EmailVerificationSubject'),
      emailMessage: (template.EmailMessage as string | undefined) ?? r.propString(n, 'EmailVerificationMessage'),
      smsMessage: (template.SmsMessage as string | undefined) ?? r.propString(n, 'SmsVerificationMessage'),
      defaultEmailOption: (template.DefaultEmailOption as 'CONFIRM_WITH_CODE' | 'CONFIRM_WITH_LINK' | undefined) ?? 'CONFIRM_WITH_CODE',
    },
    mfaMessage: r.propString(n, 'SmsAuthenticationMessage'),
    ...triggers(ctx, n),
    adminCreateUserOnly: bool(admin.AllowAdminCreateUserOnly, false),
    inviteMessage: Object.keys(invite).length
      ? { emailSubject: invite.EmailSubject, emailMessage: invite.EmailMessage, smsMessage: invite.SMSMessage }
      : undefined,
    groups: r
      .resources('AWS::Cognito::UserPoolGroup')
      .filter((g) => r.propString(g, 'UserPoolId') === id)
      .map((g) => ({
        name: String(r.ref(g.stack, g.logicalId)),
        precedence: num(r.prop(g, 'Precedence')),
        roleArn: r.propString(g, 'RoleArn'),
        description: r.propString(g, 'Description'),
      })),
    usernameCaseSensitive: bool((props('UsernameConfiguration') ?? {}).CaseSensitive, true),
    attributesRequireVerificationBeforeUpdate:
      ((props('UserAttributeUpdateSettings') ?? {}).AttributesRequireVerificationBeforeUpdate as string[] | undefined) ?? [],
  };
}

function attributeSchema(schema: Record<string, unknown>[] | undefined): AttributeSchema[] {
  const byName = new Map<string, AttributeSchema>();
  for (const [name, dataType] of Object.entries(STANDARD_ATTRIBUTES)) {
    // `required` means "must be supplied at sign-up": Cognito lists `sub` as required but generates it itself.
    byName.set(name, { name, required: false, mutable: name !== 'sub', dataType, ...(dataType === 'String' ? { maxLength: 2048 } : {}) });
  }
  for (const a of schema ?? []) {
    const raw = String(a.Name);
    // Custom attributes are declared without their `custom:` prefix.
    const name = Object.hasOwn(STANDARD_ATTRIBUTES, raw) || raw.startsWith('custom:') ? raw : `custom:${raw}`;
    const base = byName.get(name);
    const strings = (a.StringAttributeConstraints ?? {}) as Record<string, unknown>;
    const dataType = (a.AttributeDataType as AttributeSchema['dataType'] | undefined) ?? base?.dataType ?? 'String';
    byName.set(name, {
      name,
      required: bool(a.Required, base?.required ?? false),
      mutable: bool(a.Mutable, base?.mutable ?? true),
      dataType,
      minLength: num(strings.MinLength) ?? (dataType === 'String' ? base?.minLength : undefined),
      maxLength: num(strings.MaxLength) ?? (dataType === 'String' ? (base?.maxLength ?? 2048) : undefined),
    });
  }
  return [...byName.values()];
}

function passwordPolicy(p: Record<string, unknown> | undefined): PasswordPolicy {
  // Cognito's defaults when the template sets no policy.
  return {
    minimumLength: num(p?.MinimumLength) ?? 8,
    requireLowercase: bool(p?.RequireLowercase, p === undefined),
    requireUppercase: bool(p?.RequireUppercase, p === undefined),
    requireNumbers: bool(p?.RequireNumbers, p === undefined),
    requireSymbols: bool(p?.RequireSymbols, p === undefined),
    temporaryPasswordValidityDays: num(p?.TemporaryPasswordValidityDays) ?? 7,
  };
}

const SENDERS = ['CustomEmailSender', 'CustomSMSSender'] as const;

/** LambdaConfig → the FunctionModel.logicalId of each trigger. */
function triggers(ctx: LoadContext, n: ResourceNode): Pick<UserPoolModel, 'triggers' | 'preTokenGenerationVersion' | 'kmsKeyArn'> {
  const config = (ctx.r.prop(n, 'LambdaConfig') ?? {}) as Record<string, unknown>;
  const out: UserPoolModel['triggers'] = {};
  const lookup = (trigger: string, arn: unknown) => {
    const fn = typeof arn === 'string' ? ctx.functionsByName.get(functionNameOf(arn)) : undefined;
    if (!fn) {
      ctx.r.fail(whereOf(n, `LambdaConfig.${trigger}`), (n.def.Properties?.LambdaConfig as Record<string, unknown>)?.[trigger] ?? null,
        `the ${trigger} trigger names ${String(arn)}, which is no function of this backend`);
    }
    return fn.logicalId;
  };
  for (const t of TRIGGERS) if (config[t] !== undefined) out[t] = lookup(t, config[t]);
  const ptg = config.PreTokenGenerationConfig as { LambdaArn?: string; LambdaVersion?: string } | undefined;
  if (ptg?.LambdaArn) out.PreTokenGeneration = lookup('PreTokenGenerationConfig', ptg.LambdaArn);
  // Custom senders are `{ LambdaArn, LambdaVersion: 'V1_0' }`; their codes are encrypted under KMSKeyID.
  for (const sender of SENDERS) {
    const cfg = config[sender] as { LambdaArn?: string } | undefined;
    if (cfg?.LambdaArn) out[sender] = lookup(sender, cfg.LambdaArn);
  }
  const kmsKeyArn = typeof config.KMSKeyID === 'string' ? config.KMSKeyID : undefined;
  if ((out.CustomEmailSender || out.CustomSMSSender) && !kmsKeyArn) {
    ctx.r.fail(whereOf(n, 'LambdaConfig.KMSKeyID'), null, 'a custom sender trigger needs LambdaConfig.KMSKeyID (the key its codes are encrypted under)');
  }
  const handled = new Set<string>([...TRIGGERS, ...SENDERS, 'PreTokenGenerationConfig', 'KMSKeyID']);
  for (const key of Object.keys(config)) {
    if (!handled.has(key)) ctx.warnings.push(`user pool ${n.logicalId}: LambdaConfig.${key} is not run by the local cloud`);
  }
  return { triggers: out, preTokenGenerationVersion: ptg?.LambdaVersion, ...(kmsKeyArn ? { kmsKeyArn } : {}) };
}

function loadClient(ctx: LoadContext, n: ResourceNode): UserPoolClientModel {
  const { r } = ctx;
  const units = (r.prop(n, 'TokenValidityUnits') ?? {}) as Record<string, string | undefined>;
  // Without units, access/ID validities are hours and refresh validity days (Cognito's API).
  const minutes = (value: unknown, unit: string | undefined, defaultUnit: string, fallbackMinutes: number) => {
    const v = num(value);
    return v === undefined ? fallbackMinutes : Math.round(v * MINUTES[unit ?? defaultUnit]);
  };
  const generateSecret = bool(r.prop(n, 'GenerateSecret'), false);
  return {
    logicalId: n.logicalId,
    id: String(r.ref(n.stack, n.logicalId)),
    name: r.propString(n, 'ClientName') ?? n.logicalId,
    accessTokenValidityMinutes: minutes(r.prop(n, 'AccessTokenValidity'), units.AccessToken, 'hours', 60),
    idTokenValidityMinutes: minutes(r.prop(n, 'IdTokenValidity'), units.IdToken, 'hours', 60),
    refreshTokenValidityMinutes: minutes(r.prop(n, 'RefreshTokenValidity'), units.RefreshToken, 'days', 30 * 1440),
    explicitAuthFlows: stringList(ctx, n, 'ExplicitAuthFlows') ?? ['ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    enableTokenRevocation: bool(r.prop(n, 'EnableTokenRevocation'), true),
    preventUserExistenceErrors: r.propString(n, 'PreventUserExistenceErrors') === 'ENABLED',
    readAttributes: stringList(ctx, n, 'ReadAttributes'),
    writeAttributes: stringList(ctx, n, 'WriteAttributes'),
    authSessionValidityMinutes: num(r.prop(n, 'AuthSessionValidity')) ?? 3,
    clientSecret: generateSecret ? String(r.getAtt(n.stack, n.logicalId, 'ClientSecret')) : undefined,
    callbackUrls: stringList(ctx, n, 'CallbackURLs'),
    logoutUrls: stringList(ctx, n, 'LogoutURLs'),
    allowedOAuthFlows: stringList(ctx, n, 'AllowedOAuthFlows'),
    allowedOAuthScopes: stringList(ctx, n, 'AllowedOAuthScopes'),
  };
}

function loadIdentityPool(ctx: LoadContext, n: ResourceNode): IdentityPoolModel {
  const { r } = ctx;
  const id = String(r.ref(n.stack, n.logicalId));
  const providers = ((r.prop(n, 'CognitoIdentityProviders') ?? []) as { ProviderName?: string; ClientId?: string }[]).map((p) => ({
    // ProviderName is `cognito-idp.<region>.amazonaws.com/<poolId>`.
    userPoolId: String(p.ProviderName ?? '').split('/').pop() ?? '',
    clientId: String(p.ClientId ?? ''),
  }));
  const attachment = r.resources('AWS::Cognito::IdentityPoolRoleAttachment').find((a) => r.propString(a, 'IdentityPoolId') === id);
  const roles = (attachment ? r.prop(attachment, 'Roles') : undefined) as Record<string, string> | undefined;
  const mappings = (attachment ? r.prop(attachment, 'RoleMappings') : undefined) as Record<string, Record<string, unknown>> | undefined;
  return {
    logicalId: n.logicalId,
    id,
    name: r.propString(n, 'IdentityPoolName') ?? n.logicalId,
    allowUnauthenticated: bool(r.prop(n, 'AllowUnauthenticatedIdentities'), false),
    providers,
    authenticatedRoleArn: roles?.authenticated,
    unauthenticatedRoleArn: roles?.unauthenticated,
    roleMappings: mappings
      ? Object.values(mappings).map((m) => ({
          provider: String(m.IdentityProvider),
          type: m.Type as 'Token' | 'Rules',
          ambiguousRoleResolution: m.AmbiguousRoleResolution as 'AuthenticatedRole' | 'Deny' | undefined,
          rules: ((m.RulesConfiguration as { Rules?: Record<string, string>[] } | undefined)?.Rules ?? []).map((rule) => ({
            claim: rule.Claim,
            matchType: rule.MatchType,
            value: rule.Value,
            roleArn: rule.RoleARN,
          })),
        }))
      : undefined,
  };
}
