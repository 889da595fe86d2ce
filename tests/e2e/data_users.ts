import { randomBytes } from 'node:crypto';
import { claimSignature, clientSessionKey, formatSrpTimestamp, g, hexToBigInt, modPowN, N } from '../../src/local/auth/srp.js';

/**
 * Users for data tests and the GraphQL benchmark, made through the local Cognito API over HTTPS:
 * SignUp → code from the outbox → ConfirmSignUp → USER_SRP_AUTH (the flow the Gen 2 client allows),
 * computed with the same SRP arithmetic as the Amplify client. This gives a second signed-in user
 * in one process, which the Amplify singleton cannot.
 */

export interface CognitoEnv {
  endpoint: string;
  userPoolId: string;
  clientId: string;
  /** Attributes the pool requires at sign-up besides the e-mail (e.g. `phone_number`). */
  requiredAttributes?: string[];
  /** Admin outbox reader, e.g. `TestLocalCloud.outbox` or a fetch of `/_local/outbox`. */
  outbox?(filter: { channel: 'email'; to: string }): Promise<{ code?: string }[]>;
}

export interface SignedInUser {
  email: string;
  password: string;
  accessToken: string;
  idToken: string;
  refreshToken: string;
  sub: string;
  username: string;
}

const SAMPLE_VALUES: Record<string, string> = { phone_number: '+15555550100', given_name: 'Sam', family_name: 'Sample', birthdate: '1990-01-01' };

/** The environment for a loaded backend model and a running endpoint. */
export function cognitoEnv(
  endpoint: string,
  auth: { userPool: { id: string; schema: { name: string; required: boolean }[] }; defaultClientId: string },
): CognitoEnv {
  return {
    endpoint,
    userPoolId: auth.userPool.id,
    clientId: auth.defaultClientId,
    requiredAttributes: auth.userPool.schema.filter((a) => a.required).map((a) => a.name),
  };
}

async function cognito<T>(env: CognitoEnv, action: string, body: unknown): Promise<T> {
  const res = await fetch(env.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${action}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${action}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

async function readOutbox(env: CognitoEnv, email: string): Promise<{ code?: string }[]> {
  if (env.outbox) return env.outbox({ channel: 'email', to: email });
  const res = await fetch(`${env.endpoint}/_local/outbox?channel=email&to=${encodeURIComponent(email)}`);
  return ((await res.json()) as { messages: { code?: string }[] }).messages;
}

export async function signUpAndConfirm(env: CognitoEnv, email: string, password: string): Promise<void> {
  const extra = (env.requiredAttributes ?? [])
    .filter((name) => name !== 'email' && name !== 'sub')
    .map((Name) => ({ Name, Value: SAMPLE_VALUES[Name] ?? 'sample' }));
  await cognito(env, 'SignUp', {
    ClientId: env.clientId,
    Username: email,
    Password: password,
    UserAttributes: [{ Name: 'email', Value: email }, ...extra],
  });
  const messages = await readOutbox(env, email);
  const code = messages.map((m) => m.code).filter(Boolean).pop();
  if (!code) throw new Error(`no confirmation code was sent to ${email}`);
  await cognito(env, 'ConfirmSignUp', { ClientId: env.clientId, Username: email, ConfirmationCode: code });
}

export async function signInSrp(env: CognitoEnv, email: string, password: string): Promise<SignedInUser> {
  const a = hexToBigInt(randomBytes(128).toString('hex')) % N;
  const A = modPowN(g, a);
  const init = await cognito<{ ChallengeName: string; ChallengeParameters: Record<string, string> }>(env, 'InitiateAuth', {
    AuthFlow: 'USER_SRP_AUTH',
    ClientId: env.clientId,
    AuthParameters: { USERNAME: email, SRP_A: A.toString(16) },
  });
  if (init.ChallengeName !== 'PASSWORD_VERIFIER') throw new Error(`unexpected challenge ${init.ChallengeName}`);
  const p = init.ChallengeParameters;
  const poolName = env.userPoolId.split('_')[1];
  const key = clientSessionKey({ poolName, username: p.USER_ID_FOR_SRP, password, saltHex: p.SALT, a, A, B: hexToBigInt(p.SRP_B) });
  const timestamp = formatSrpTimestamp(Date.now());
  const out = await cognito<{ AuthenticationResult?: { AccessToken: string; IdToken: string; RefreshToken: string }; ChallengeName?: string }>(
    env,
    'RespondToAuthChallenge',
    {
      ChallengeName: 'PASSWORD_VERIFIER',
      ClientId: env.clientId,
      ChallengeResponses: {
        USERNAME: p.USER_ID_FOR_SRP,
        PASSWORD_CLAIM_SECRET_BLOCK: p.SECRET_BLOCK,
        PASSWORD_CLAIM_SIGNATURE: claimSignature(key, poolName, p.USER_ID_FOR_SRP, p.SECRET_BLOCK, timestamp),
        TIMESTAMP: timestamp,
      },
    },
  );
  const result = out.AuthenticationResult;
  if (!result) throw new Error(`sign-in did not complete (challenge ${out.ChallengeName})`);
  const claims = JSON.parse(Buffer.from(result.AccessToken.split('.')[1], 'base64url').toString()) as { sub: string; username: string };
  return {
    email,
    password,
    accessToken: result.AccessToken,
    idToken: result.IdToken,
    refreshToken: result.RefreshToken,
    sub: claims.sub,
    username: claims.username,
  };
}

export async function createUser(env: CognitoEnv, email: string, password = 'Correct-Horse-9-battery'): Promise<SignedInUser> {
  await signUpAndConfirm(env, email, password);
  return signInSrp(env, email, password);
}

/** `POST /graphql` as the v6 client sends it in user-pool mode (the access token in Authorization). */
export async function graphqlAs(
  endpoint: string,
  token: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { data?: Record<string, unknown> | null; errors?: { errorType?: string; message: string }[] } }> {
  const res = await fetch(`${endpoint}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=UTF-8', ...(token ? { authorization: token } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as never };
}
