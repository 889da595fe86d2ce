import path from 'node:path';
import type { clientConfigTypesV1_5 } from '@aws-amplify/client-config';
import type { BackendModel } from './assembly/model.js';
import { LOCAL_ENDPOINT } from './assembly/local_endpoint.js';
import { DEFAULT_ACCOUNT_KEYS, developerUserArn, type AccountKeys } from './core/account.js';
import { writeFileAtomic } from './core/persist.js';
import { dnsSuffix } from './hostnames/names.js';

/**
 * `amplify_outputs.json` for the local cloud: the same document `ampx generate outputs` writes
 * (schema 1.5), from the same root-stack outputs, with local ids and URLs, plus `custom.local`
 * carrying what the schema has no field for (Cognito endpoints, S3 custom endpoint, the CA).
 *
 * It is built here rather than by @aws-amplify/client-config's generator because that generator only
 * runs through CloudFormation/S3 clients (no offline entry point is exported); the translation below
 * follows its v1.5 contributors field by field.
 */

export type AmplifyOutputs = clientConfigTypesV1_5.AWSAmplifyBackendOutputs;
type AuthOutputs = NonNullable<AmplifyOutputs['auth']>;

export interface LocalOutputsSection {
  /** `https://127.0.0.1:<port>`: every service. */
  endpoint: string;
  /** For `Auth.Cognito.userPoolEndpoint` (set in code: Amplify.configure never reads it from the file). */
  user_pool_endpoint: string;
  identity_pool_endpoint: string;
  /** `127.0.0.1:<port>`: the form the v6 Storage per-call `customEndpoint` option takes. */
  storage_endpoint: string;
  admin_endpoint: string;
  /** The CA to trust: relative to the outputs file's folder when inside it, else absolute. */
  ca_certificate_path: string;
  /** For `AWS_ENDPOINT_URL_STS` / `--endpoint-url` (GetCallerIdentity, AssumeRole, AssumeRoleWithWebIdentity). */
  sts_endpoint: string;
  /** The account's developer keys: an administrator allowed every action (`aws … --endpoint-url`). */
  developer_credentials: {
    access_key_id: string;
    secret_access_key: string;
    account_id: string;
    user_arn: string;
    region: string;
  };
}

/**
 * `custom.local` in AWS-hostname mode: informational only. Clients use the AWS URLs of the document
 * (no `endpoint` here, so src/client configures Amplify unchanged, as for a deployed backend).
 */
export interface AwsHostnamesLocalSection {
  mode: 'aws-hostnames';
  /** The local cloud's own port, `https://127.0.0.1:<port>`, where the AWS hostnames must be routed. */
  front_door: string;
  /** The AWS hostnames it answers as (route them to `front_door`: --dns, --proxy, a hosts file). */
  hostnames: string[];
  admin_endpoint: string;
  ca_certificate_path: string;
  developer_credentials: LocalOutputsSection['developer_credentials'];
}

export interface OutputsLocation {
  endpoint: string;
  /** AWS-hostname mode: the names served (names.ts `awsHostnames`); URLs in the outputs use them. */
  awsHostnames?: string[];
  caCertPath: string;
  /** Folder the outputs file is written to (makes the CA path relative). */
  outputsDir?: string;
  /** Default `DEFAULT_ACCOUNT_KEYS`. */
  accountKeys?: AccountKeys;
}

export function buildOutputs(model: BackendModel, where: OutputsLocation): AmplifyOutputs {
  const outputs: AmplifyOutputs = { version: '1.5' };
  const out = model.stackOutputs ?? {};
  const region = model.region;

  if (model.auth) outputs.auth = authSection(model, out);

  if (model.data) {
    const data: NonNullable<AmplifyOutputs['data']> = {
      url: where.awsHostnames ? appSyncUrl(model.data.apiId, region) : `${where.endpoint}/graphql`,
      aws_region: region,
      default_authorization_type: model.data.defaultAuthMode,
      // As the generator does: only the additional modes are listed here.
      authorization_types: [...model.data.additionalAuthModes],
    };
    if (model.data.apiKey) data.api_key = model.data.apiKey;
    if (model.data.modelIntrospection) data.model_introspection = model.data.modelIntrospection as Record<string, unknown>;
    outputs.data = data;
  }

  const buckets = model.storage?.buckets ?? [];
  if (buckets.length) {
    const defaultBucket = buckets.find((b) => b.isDefault) ?? buckets[0];
    outputs.storage = {
      aws_region: region,
      bucket_name: defaultBucket.bucketName,
      buckets: buckets.map((b) => ({
        name: b.friendlyName,
        bucket_name: b.bucketName,
        aws_region: region,
        paths: b.paths as Record<string, clientConfigTypesV1_5.AmplifyStorageAccessRule>,
      })),
    };
  }

  // `backend.addOutput(...)`: top-level sections (notifications, analytics, geo) and `custom`, with the
  // loader's endpoint marker (an AppSync URL an app published, say) made the running endpoint.
  const { version: _version, custom: customFromBackend, ...sections } = withEndpoint(
    model.customOutputs ?? {},
    where.awsHostnames ? awsEndpointReplacer(model, where.endpoint) : (s) => s.split(LOCAL_ENDPOINT).join(where.endpoint),
  ) as Record<string, unknown>;
  Object.assign(outputs, sections);

  const developerCredentials = {
    access_key_id: (where.accountKeys ?? DEFAULT_ACCOUNT_KEYS).accessKeyId,
    secret_access_key: (where.accountKeys ?? DEFAULT_ACCOUNT_KEYS).secretAccessKey,
    account_id: model.accountId,
    user_arn: developerUserArn(model.accountId),
    region,
  };
  if (where.awsHostnames) {
    const local: AwsHostnamesLocalSection = {
      mode: 'aws-hostnames',
      front_door: where.endpoint,
      hostnames: [...where.awsHostnames],
      admin_endpoint: `${where.endpoint}/_local`,
      ca_certificate_path: caPathForOutputs(where.caCertPath, where.outputsDir),
      developer_credentials: developerCredentials,
    };
    outputs.custom = { ...((customFromBackend as Record<string, unknown> | undefined) ?? {}), local };
    return outputs;
  }

  const endpointUrl = new URL(where.endpoint);
  const local: LocalOutputsSection = {
    endpoint: where.endpoint,
    user_pool_endpoint: where.endpoint,
    identity_pool_endpoint: where.endpoint,
    storage_endpoint: endpointUrl.host,
    admin_endpoint: `${where.endpoint}/_local`,
    ca_certificate_path: caPathForOutputs(where.caCertPath, where.outputsDir),
    sts_endpoint: where.endpoint,
    developer_credentials: developerCredentials,
  };
  outputs.custom = { ...((customFromBackend as Record<string, unknown> | undefined) ?? {}), local };
  return outputs;
}

function authSection(model: BackendModel, out: Record<string, string>): AuthOutputs {
  const auth = model.auth!;
  const pool = auth.userPool;
  const section: AuthOutputs = {
    user_pool_id: pool.id,
    aws_region: model.region,
    user_pool_client_id: auth.defaultClientId,
  };
  if (auth.identityPool) section.identity_pool_id = auth.identityPool.id;

  section.mfa_methods = jsonOutput<AuthOutputs['mfa_methods']>(out.mfaTypes) ?? mfaMethods(pool.enabledMfas);
  section.standard_required_attributes =
    jsonOutput<AuthOutputs['standard_required_attributes']>(out.signupAttributes) ??
    (pool.schema.filter((a) => a.required && !a.name.startsWith('custom:')).map((a) => a.name) as AuthOutputs['standard_required_attributes']);
  section.username_attributes =
    jsonOutput<AuthOutputs['username_attributes']>(out.usernameAttributes) ??
    ((pool.usernameAttributes.length ? pool.usernameAttributes : ['username']) as AuthOutputs['username_attributes']);
  section.user_verification_types =
    jsonOutput<AuthOutputs['user_verification_types']>(out.verificationMechanisms) ??
    (pool.autoVerifiedAttributes as AuthOutputs['user_verification_types']);
  section.groups =
    jsonOutput<AuthOutputs['groups']>(out.groups) ??
    pool.groups.map((g) => ({ [g.name]: g.precedence === undefined ? {} : { precedence: g.precedence } }));
  section.mfa_configuration = ({ OFF: 'NONE', OPTIONAL: 'OPTIONAL', ON: 'REQUIRED' } as const)[pool.mfaConfiguration];

  const policy = pool.passwordPolicy;
  section.password_policy = {
    min_length: policy.minimumLength,
    require_lowercase: policy.requireLowercase,
    require_numbers: policy.requireNumbers,
    require_symbols: policy.requireSymbols,
    require_uppercase: policy.requireUppercase,
  };
  section.unauthenticated_identities_enabled = auth.identityPool?.allowUnauthenticated ?? false;

  // OAuth appears only when both redirect lists exist (the generator's rule).
  if (out.oauthRedirectSignIn && out.oauthRedirectSignOut) {
    const providers = jsonOutput<string[]>(out.socialProviders) ?? [];
    section.oauth = {
      identity_providers: providers.filter((p): p is 'GOOGLE' | 'FACEBOOK' | 'LOGIN_WITH_AMAZON' | 'SIGN_IN_WITH_APPLE' =>
        ['GOOGLE', 'FACEBOOK', 'LOGIN_WITH_AMAZON', 'SIGN_IN_WITH_APPLE'].includes(p),
      ),
      redirect_sign_in_uri: out.oauthRedirectSignIn.split(','),
      redirect_sign_out_uri: out.oauthRedirectSignOut.split(','),
      response_type: out.oauthResponseType === 'token' ? 'token' : 'code',
      scopes: jsonOutput<string[]>(out.oauthScope) ?? [],
      domain: out.oauthCognitoDomain ?? '',
    };
  }
  const passwordless = jsonOutput<{
    emailOtpEnabled?: boolean;
    smsOtpEnabled?: boolean;
    preferredChallenge?: 'EMAIL_OTP' | 'SMS_OTP' | 'PASSWORD' | 'WEB_AUTHN';
    webAuthn?: { relyingPartyId: string; userVerification: 'required' | 'preferred' };
  }>(out.passwordlessOptions);
  if (passwordless) {
    section.passwordless = {
      email_otp_enabled: passwordless.emailOtpEnabled,
      sms_otp_enabled: passwordless.smsOtpEnabled,
      ...(passwordless.webAuthn
        ? { web_authn: { relying_party_id: passwordless.webAuthn.relyingPartyId, user_verification: passwordless.webAuthn.userVerification } }
        : {}),
      ...(passwordless.preferredChallenge ? { preferred_challenge: passwordless.preferredChallenge } : {}),
    };
  }
  return section;
}

/** Stack outputs hold JSON strings; empty strings mean "not set". */
function jsonOutput<T>(value: string | undefined): T | undefined {
  if (!value) return undefined;
  try {
    return JSON.parse(value) as T;
  } catch {
    return undefined;
  }
}

function mfaMethods(enabled: string[]): AuthOutputs['mfa_methods'] {
  const map: Record<string, 'SMS' | 'TOTP' | 'EMAIL'> = { SMS_MFA: 'SMS', SOFTWARE_TOKEN_MFA: 'TOTP', EMAIL_OTP: 'EMAIL' };
  return enabled.map((m) => map[m]).filter((m): m is 'SMS' | 'TOTP' | 'EMAIL' => m !== undefined);
}

/**
 * Relative to the outputs file's folder when the CA lies inside it (the default layout), so a committed
 * `amplify_outputs.json` reads the same on every machine; absolute otherwise.
 */
function caPathForOutputs(caCertPath: string, outputsDir: string | undefined): string {
  const absolute = path.resolve(caCertPath);
  if (!outputsDir) return absolute;
  const rel = path.relative(path.resolve(outputsDir), absolute);
  const outside = rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
  return outside ? absolute : rel.split(path.sep).join('/');
}

export function writeOutputs(file: string, outputs: AmplifyOutputs): void {
  writeFileAtomic(file, `${JSON.stringify(outputs, null, 2)}\n`);
}

/**
 * Structural check of the fields `Amplify.configure` and the 1.5 schema require (the schema's JSON
 * file is not shipped in node_modules, its TypeScript types are). Returns the problems found.
 */
export function checkOutputs(value: unknown): string[] {
  const problems: string[] = [];
  const o = value as Record<string, Record<string, unknown> | undefined> & { version?: unknown };
  if (!o || typeof o !== 'object') return ['outputs is not an object'];
  if (o.version !== '1.5') problems.push(`version must be "1.5", got ${JSON.stringify(o.version)}`);
  const allowedTop = ['$schema', 'version', 'analytics', 'auth', 'data', 'geo', 'notifications', 'storage', 'custom'];
  for (const k of Object.keys(o)) if (!allowedTop.includes(k)) problems.push(`unknown top-level key ${k}`);
  const requireKeys = (section: string, keys: string[]) => {
    const s = o[section];
    if (s === undefined) return;
    for (const k of keys) if (s[k] === undefined || s[k] === '') problems.push(`${section}.${k} is missing`);
  };
  requireKeys('auth', ['aws_region', 'user_pool_id', 'user_pool_client_id']);
  requireKeys('data', ['aws_region', 'url', 'default_authorization_type', 'authorization_types']);
  requireKeys('storage', ['aws_region', 'bucket_name']);
  if (o.auth) {
    const allowedAuth = [
      'aws_region', 'user_pool_id', 'user_pool_client_id', 'identity_pool_id', 'password_policy', 'oauth',
      'standard_required_attributes', 'username_attributes', 'user_verification_types',
      'unauthenticated_identities_enabled', 'mfa_configuration', 'mfa_methods', 'passwordless', 'groups',
    ];
    for (const k of Object.keys(o.auth)) if (!allowedAuth.includes(k)) problems.push(`auth.${k} is not allowed by the 1.5 schema`);
  }
  for (const b of (o.storage?.buckets as Record<string, unknown>[] | undefined) ?? []) {
    for (const k of ['name', 'bucket_name', 'aws_region']) if (!b[k]) problems.push(`storage.buckets[].${k} is missing`);
  }
  return problems;
}

/** A value with every string passed through `replace` (which substitutes the `${LOCAL_ENDPOINT}` markers). */
function withEndpoint(value: unknown, replace: (s: string) => string): unknown {
  if (typeof value === 'string') return replace(value);
  if (Array.isArray(value)) return value.map((v) => withEndpoint(v, replace));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withEndpoint(v, replace)]));
  }
  return value;
}

/** The deployed AppSync API's URL: the shape aws-amplify recognizes as AppSync (not a custom domain). */
export function appSyncUrl(apiId: string, region: string): string {
  return `https://${apiId}.appsync-api.${region}.${dnsSuffix(region)}/graphql`;
}

/**
 * AWS-hostname mode: a marker becomes the URL the deployed resource has (the AppSync API and its
 * realtime endpoint, an SQS queue URL); any other marker the front door's loopback address.
 */
function awsEndpointReplacer(model: BackendModel, endpoint: string): (s: string) => string {
  const region = model.region;
  const suffix = dnsSuffix(region);
  const escaped = LOCAL_ENDPOINT.replace(/[$()*+.?[\\\]^{|}]/g, '\\$&');
  return (s) => {
    let out = s;
    if (model.data) {
      out = out
        .split(`${LOCAL_ENDPOINT}/graphql/realtime`)
        .join(`wss://${model.data.apiId}.appsync-realtime-api.${region}.${suffix}/graphql`)
        .split(`${LOCAL_ENDPOINT}/graphql`)
        .join(appSyncUrl(model.data.apiId, region));
    }
    if ((model.queues?.length ?? 0) > 0) {
      out = out.replace(new RegExp(`${escaped}/(\\d{12})/`, 'g'), `https://sqs.${region}.${suffix}/$1/`);
    }
    return out.split(LOCAL_ENDPOINT).join(endpoint);
  };
}
