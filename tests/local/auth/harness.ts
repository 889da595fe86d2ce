import type { AuthModel, BackendModel } from '../../../src/local/assembly/model.js';
import { adminHandlers } from '../../../src/local/auth/handlers/admin.js';
import { createAuthService } from '../../../src/local/auth/index.js';
import { accountCredentials } from '../../../src/local/core/account.js';
import { clientSessionKey, claimSignature, formatSrpTimestamp, g, hexToBigInt, modPowN } from '../../../src/local/auth/srp.js';
import { cryptoIds, ManualClock, type IdSource } from '../../../src/local/core/clock.js';
import type { CredentialStore, FunctionInvoker, InvokeResult, IssuedCredentials, Registry, TokenVerifier } from '../../../src/local/core/registry.js';
import type { LocalService } from '../../../src/local/core/service.js';
import { serviceContext, startService, type MemoryOutbox, type TestServiceContext } from '../../helpers/service_context.js';
import { signForTest } from '../../helpers/sigv4.js';

export const ENDPOINT = 'https://127.0.0.1:20002';
export const POOL_ID = 'us-east-1_AbCdEf123';
export const CLIENT_ID = 'webclient00000000000000001';
export const PASSWORD_CLIENT_ID = 'pwdclient00000000000000001';
export const PASSWORD = 'Passw0rd!';

/**
 * The auth part of a backend shaped like this repository's (`amplify/auth/resource.ts` after
 * synthesis): email as username, phone required, optional TOTP/SMS MFA, email change verified
 * before update, plus a second client that allows USER_PASSWORD_AUTH and a group.
 */
export function authModel(overrides: { pool?: Partial<AuthModel['userPool']>; client?: Partial<AuthModel['clients'][number]> } = {}): AuthModel {
  return {
    userPool: {
      logicalId: 'amplifyAuthUserPool4BA7F805',
      id: POOL_ID,
      name: 'amplifyAuthUserPool',
      usernameAttributes: ['email'],
      aliasAttributes: [],
      autoVerifiedAttributes: ['email'],
      schema: [
        { name: 'email', required: true, mutable: true, dataType: 'String' },
        { name: 'phone_number', required: true, mutable: true, dataType: 'String' },
        { name: 'given_name', required: false, mutable: true, dataType: 'String' },
        { name: 'family_name', required: false, mutable: true, dataType: 'String' },
        { name: 'custom:tier', required: false, mutable: true, dataType: 'String' },
      ],
      passwordPolicy: {
        minimumLength: 8,
        requireLowercase: true,
        requireUppercase: true,
        requireNumbers: true,
        requireSymbols: true,
        temporaryPasswordValidityDays: 7,
      },
      mfaConfiguration: 'OPTIONAL',
      enabledMfas: ['SMS_MFA', 'SOFTWARE_TOKEN_MFA'],
      accountRecovery: ['verified_email'],
      verificationMessage: {
        emailSubject: 'Your verification code',
        emailMessage: 'Your verification code is {####}',
        smsMessage: 'The verification code to your new account is {####}',
        defaultEmailOption: 'CONFIRM_WITH_CODE',
      },
      mfaMessage: 'Your sign-in code is {####}',
      triggers: {},
      adminCreateUserOnly: false,
      groups: [
        { name: 'Admins', precedence: 0 },
        { name: 'Editors', precedence: 5 },
      ],
      usernameCaseSensitive: false,
      attributesRequireVerificationBeforeUpdate: ['email'],
      ...overrides.pool,
    },
    clients: [
      {
        logicalId: 'amplifyAuthUserPoolAppClient2626C6F8',
        id: CLIENT_ID,
        name: 'web',
        accessTokenValidityMinutes: 60,
        idTokenValidityMinutes: 60,
        refreshTokenValidityMinutes: 30 * 24 * 60,
        explicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        enableTokenRevocation: true,
        preventUserExistenceErrors: true,
        ...overrides.client,
      },
      {
        logicalId: 'PasswordClient',
        id: PASSWORD_CLIENT_ID,
        name: 'scripts',
        accessTokenValidityMinutes: 5,
        idTokenValidityMinutes: 5,
        refreshTokenValidityMinutes: 60,
        explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        enableTokenRevocation: true,
        preventUserExistenceErrors: false,
      },
    ],
    defaultClientId: CLIENT_ID,
  };
}

export function backendModel(auth: AuthModel = authModel()): BackendModel {
  return {
    stackName: 'amplify-auth-test-sandbox-0000000000',
    region: 'us-east-1',
    accountId: '123456789012',
    assemblyDir: '/nonexistent',
    auth,
    functions: [],
    eventSourceMappings: [],
    iam: { roles: [] },
    messaging: { pinpointApps: [], kinesisStreams: [] },
    stackOutputs: {},
    customOutputs: {},
  };
}

/** A functions.invoker double: records events, answers with the handler the test sets per function. */
export class FakeInvoker implements FunctionInvoker {
  readonly events: { fn: string; event: Record<string, unknown> }[] = [];
  readonly handlers = new Map<string, (event: Record<string, unknown>) => InvokeResult | Promise<InvokeResult>>();
  has(fn: string): boolean {
    return this.handlers.has(fn);
  }
  async invoke(fn: string, event: unknown): Promise<InvokeResult> {
    this.events.push({ fn, event: event as Record<string, unknown> });
    return this.handlers.get(fn)!(event as Record<string, unknown>);
  }
}

/**
 * The credential store the harness provides in place of the identity service: the account's
 * developer keys (which sign the harness's admin calls) plus function role credentials a test mints.
 */
export class HarnessCredentials implements CredentialStore {
  readonly issued = new Map<string, IssuedCredentials>();
  constructor(readonly account: IssuedCredentials) {
    this.issued.set(account.accessKeyId, account);
  }
  lookup(id: string) {
    return this.issued.get(id);
  }
  issueForRole(roleArn: string, functionName: string, ttlSeconds: number): IssuedCredentials {
    const c: IssuedCredentials = {
      accessKeyId: `ASIAFN${this.issued.size.toString().padStart(14, '0')}`,
      secretAccessKey: 'fn-secret',
      sessionToken: 'fn-token',
      expiration: Date.now() + ttlSeconds * 1000,
      roleArn,
      functionName,
      kind: 'function',
    };
    this.issued.set(c.accessKeyId, c);
    return c;
  }
}

export interface Call {
  status: number;
  body: Record<string, unknown> & { __type?: string; message?: string };
}

export interface AuthHarness {
  service: LocalService;
  registry: Registry;
  clock: ManualClock;
  outbox: MemoryOutbox;
  dataDir: string;
  model: BackendModel;
  tokens(): TokenVerifier;
  /** What signed requests are verified against: the developer keys and credentials a test mints. */
  credentials: HarnessCredentials;
  /**
   * One Cognito call. Admin operations are signed with the account's developer keys, as a developer
   * would send them, unless `unsigned` (or the caller's own `authorization` header) says otherwise.
   */
  call(operation: string, body: unknown, init?: { headers?: Record<string, string>; unsigned?: boolean }): Promise<Call>;
  /** SignUp + ConfirmSignUp with the code from the outbox; returns the user's sub (= username). */
  signUpConfirmed(email: string, opts?: { password?: string; phone?: string }): Promise<string>;
  /** A full USER_SRP_AUTH + PASSWORD_VERIFIER with an SRP client built on the same math. */
  srpSignIn(username: string, password?: string, clientId?: string): Promise<Call>;
  /** Restarts the service on the same data dir (persistence). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function authHarness(
  opts: { model?: BackendModel; invoker?: FunctionInvoker; ids?: IdSource; dataDir?: string; endpoint?: string } = {},
): Promise<AuthHarness> {
  const model = opts.model ?? backendModel();
  const first = serviceContext({
    name: 'auth',
    model,
    dataDir: opts.dataDir,
    endpoint: opts.endpoint ?? ENDPOINT,
    clock: new ManualClock(Date.UTC(2026, 0, 5, 12, 0, 0)),
    ids: opts.ids,
  });
  const { clock, outbox } = first;
  const dataDir = first.ctx.dataDir;
  let registry!: Registry;
  let service!: LocalService;
  const credentials = new HarnessCredentials(accountCredentials(model));

  const build = async (t: TestServiceContext<ManualClock>) => {
    registry = t.registry;
    registry.provide('identity.credentials', credentials);
    if (opts.invoker) registry.provide('functions.invoker', opts.invoker);
    service = await startService(createAuthService(t.ctx), registry);
  };
  await build(first);

  const call: AuthHarness['call'] = async (operation, body, init = {}) => {
    const headers: Record<string, string> = {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${operation}`,
      ...init.headers,
    };
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const sign = Object.hasOwn(adminHandlers, operation) && !init.unsigned && !('authorization' in headers);
    const req = sign
      ? await signForTest({
          url: `${ENDPOINT}/`,
          method: 'POST',
          headers,
          body: text,
          credentials: credentials.account,
          service: 'cognito-idp',
          region: model.region,
          signingDate: new Date(clock.now()),
        })
      : new Request(`${ENDPOINT}/`, { method: 'POST', headers, body: text });
    const res = await service.fetch(req);
    return { status: res.status, body: (await res.json()) as Call['body'] };
  };

  const harness: AuthHarness = {
    get service() {
      return service;
    },
    get registry() {
      return registry;
    },
    clock,
    outbox,
    dataDir,
    model,
    tokens: () => registry.get('auth.tokens'),
    credentials,
    call,
    async signUpConfirmed(email, o = {}) {
      const up = await call('SignUp', {
        ClientId: CLIENT_ID,
        Username: email,
        Password: o.password ?? PASSWORD,
        UserAttributes: [{ Name: 'phone_number', Value: o.phone ?? '+15555550100' }],
      });
      if (up.status !== 200) throw new Error(`SignUp failed: ${JSON.stringify(up.body)}`);
      const confirm = await call('ConfirmSignUp', { ClientId: CLIENT_ID, Username: email, ConfirmationCode: outbox.lastCode(email) });
      if (confirm.status !== 200) throw new Error(`ConfirmSignUp failed: ${JSON.stringify(confirm.body)}`);
      return up.body.UserSub as string;
    },
    async srpSignIn(username, password = PASSWORD, clientId = CLIENT_ID) {
      return srpSignIn(call, clock.now(), username, password, clientId);
    },
    async restart() {
      await service.stop();
      // A new registry and service on the same data dir, clock and outbox.
      await build(serviceContext({ model, dataDir, endpoint: first.ctx.endpoint, clock, ids: first.ctx.ids, outbox }));
    },
    async close() {
      await service.stop();
      first.cleanup();
    },
  };
  return harness;
}

/** The client half of Cognito SRP, from the same primitives the server uses (tests and bench). */
export async function srpSignIn(
  call: (op: string, body: unknown) => Promise<Call>,
  now: number,
  username: string,
  password: string,
  clientId: string,
  poolId = POOL_ID,
): Promise<Call> {
  const a = hexToBigInt(cryptoIds.bytes(128).toString('hex'));
  const A = modPowN(g, a);
  const init = await call('InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: clientId, AuthParameters: { USERNAME: username, SRP_A: A.toString(16) } });
  if (init.status !== 200) return init;
  const params = init.body.ChallengeParameters as Record<string, string>;
  const poolName = poolId.split('_')[1];
  const key = clientSessionKey({
    poolName,
    username: params.USER_ID_FOR_SRP,
    password,
    saltHex: params.SALT,
    a,
    A,
    B: hexToBigInt(params.SRP_B),
  });
  const timestamp = formatSrpTimestamp(now);
  return call('RespondToAuthChallenge', {
    ChallengeName: 'PASSWORD_VERIFIER',
    ClientId: clientId,
    ChallengeResponses: {
      USERNAME: params.USER_ID_FOR_SRP,
      PASSWORD_CLAIM_SECRET_BLOCK: params.SECRET_BLOCK,
      TIMESTAMP: timestamp,
      PASSWORD_CLAIM_SIGNATURE: claimSignature(key, poolName, params.USER_ID_FOR_SRP, params.SECRET_BLOCK, timestamp),
    },
  });
}

export function decodePayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function authResult(c: Call): { AccessToken: string; IdToken: string; RefreshToken?: string; ExpiresIn: number } {
  const r = c.body.AuthenticationResult as { AccessToken: string; IdToken: string; RefreshToken?: string; ExpiresIn: number } | undefined;
  if (!r) throw new Error(`no AuthenticationResult: ${JSON.stringify(c.body)}`);
  return r;
}
