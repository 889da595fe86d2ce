/**
 * The callers of the matrix, made against a running local cloud the way an app's users come to be:
 * sign-up + the code from the outbox + USER_SRP_AUTH, group membership through the Cognito admin API
 * with the developer keys, identity-pool credentials (guest and signed-in) through GetId and
 * GetCredentialsForIdentity. Two tokens the API must refuse: one re-signed with a key of our own
 * (forged), and one the auth service really issued while its clock stood hours back (expired).
 */
import { AdminAddUserToGroupCommand, CognitoIdentityProviderClient, CreateGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import type { BackendModel } from '../../src/local/assembly/model.js';
import { DEFAULT_ACCOUNT_KEYS } from '../../src/local/core/account.js';
import type { AmplifyOutputs } from '../../src/local/outputs.js';
import { cognitoEnv, createUser, signInSrp, type CognitoEnv, type SignedInUser } from '../../tests/e2e/data_users.js';
import type { Principal } from './evaluate_data.js';
import { identityCall } from '../../tests/helpers/guest_credentials.js';

export interface IamCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/** A caller with whatever it needs to be one over the wire. */
export interface Caller extends Principal {
  user?: SignedInUser;
  /** Sent where a user's access token goes: a forged or expired one, or a Lambda authorizer's token. */
  token?: string;
  /** Identity-pool credentials: guests always, signed-in users when the backend has an identity pool. */
  iam?: { credentials: IamCredentials; identityId: string };
  apiKey?: string;
  /** A data-only caller (its identity-pool credentials are another caller's, already in the storage matrix). */
  dataOnly?: boolean;
}

/** A clock the matrix can set back while it has the expired token issued. */
export class OffsetClock {
  offsetMs = 0;
  now = (): number => Date.now() + this.offsetMs;
}

/** GetId + GetCredentialsForIdentity, with the user's ID token as the login when there is one. */
export async function identityPoolCredentials(endpoint: string, identityPoolId: string, idToken?: string): Promise<{ credentials: IamCredentials; identityId: string }> {
  let logins: Record<string, string> | undefined;
  if (idToken) {
    const iss = (JSON.parse(Buffer.from(idToken.split('.')[1], 'base64url').toString()) as { iss: string }).iss;
    logins = { [iss.replace(/^https?:\/\//, '')]: idToken };
  }
  const { IdentityId } = await identityCall<{ IdentityId: string }>(endpoint, 'GetId', { IdentityPoolId: identityPoolId, Logins: logins });
  const { Credentials: c } = await identityCall<{ Credentials: { AccessKeyId: string; SecretKey: string; SessionToken: string } }>(endpoint, 'GetCredentialsForIdentity', { IdentityId, Logins: logins });
  return { identityId: IdentityId, credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken } };
}

/** The same header and claims, signed with a key the local cloud never saw. */
export function forgeToken(token: string): string {
  const [header, payload] = token.split('.');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKey).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

export interface MakeCallersOptions {
  endpoint: string;
  outputs: AmplifyOutputs;
  model: BackendModel;
  clock: OffsetClock;
  /** Groups named by any rule: one member each. */
  groups: string[];
  outbox(filter: { channel: 'email'; to: string }): Promise<{ code?: string }[]>;
  /** A token the API's Lambda authorizer accepts (what it accepts is the function's business, not the rules'). */
  lambdaToken?: string;
}

/** owner, other, a member of each group, the owner through IAM, an OIDC user, guest, API key, a Lambda token, no credentials, forged and expired tokens. */
export async function makeCallers(opts: MakeCallersOptions): Promise<Caller[]> {
  const callers: Caller[] = [];
  const auth = opts.model.auth;
  // Unique per run, so that runs against one cloud do not meet each other's users.
  const run = randomUUID().slice(0, 8);
  const ownerEmail = `matrix-owner-${run}@example.com`;
  const identityPoolId = opts.outputs.auth?.identity_pool_id;
  const withIam = async (user: SignedInUser) => (identityPoolId ? identityPoolCredentials(opts.endpoint, identityPoolId, user.idToken) : undefined);
  if (auth) {
    const env: CognitoEnv = { ...cognitoEnv(opts.endpoint, auth), outbox: opts.outbox };
    const owner = await createUser(env, ownerEmail);
    callers.push({ name: 'owner', mode: 'userPools', valid: true, userId: 'owner', groups: [], user: owner, iam: await withIam(owner) });
    const other = await createUser(env, `matrix-other-${run}@example.com`);
    callers.push({ name: 'other', mode: 'userPools', valid: true, userId: 'other', groups: [], user: other, iam: await withIam(other) });
    const admin = new CognitoIdentityProviderClient({ endpoint: opts.endpoint, region: opts.model.region, credentials: DEFAULT_ACCOUNT_KEYS, maxAttempts: 1 });
    try {
      for (const group of opts.groups) {
        const email = `matrix-${group.toLowerCase().replace(/[^a-z0-9]/g, '-')}-${run}@example.com`;
        const password = 'Correct-Horse-9-battery';
        await createUser(env, email, password);
        if (!auth.userPool.groups.some((g) => g.name === group)) {
          await admin.send(new CreateGroupCommand({ UserPoolId: auth.userPool.id, GroupName: group })).catch((e: Error) => {
            if (e.name !== 'GroupExistsException') throw e;
          });
        }
        await admin.send(new AdminAddUserToGroupCommand({ UserPoolId: auth.userPool.id, Username: email, GroupName: group }));
        // Signed in again after joining, so the tokens carry the group.
        const member = await signInSrp(env, email, password);
        callers.push({ name: `group:${group}`, mode: 'userPools', valid: true, userId: `group:${group}`, groups: [group], user: member, iam: await withIam(member) });
      }
    } finally {
      admin.destroy();
    }
    // A signed-in user through the identity pool's authenticated role (authMode 'iam').
    if (owner && callers[0].iam) callers.push({ name: 'owner-iam', mode: 'iam', valid: true, groups: [], iamRole: 'authenticated', iam: callers[0].iam, dataOnly: true });
    // The API's OPENID_CONNECT issuer, when it is another local user pool: one of its users (authMode 'oidc').
    const oidcPoolId = opts.model.data?.openIdConnect?.issuer.split('/').pop();
    const oidcPool = (auth.userPools ?? []).find((e) => e.userPool.id === oidcPoolId && e.userPool.id !== auth.userPool.id && e.clients.length);
    if (oidcPool) {
      const partnerEnv: CognitoEnv = { ...cognitoEnv(opts.endpoint, { userPool: oidcPool.userPool, defaultClientId: oidcPool.clients[0].id }), outbox: opts.outbox };
      const partner = await createUser(partnerEnv, `matrix-oidc-${run}@example.com`);
      callers.push({ name: 'oidc', mode: 'oidc', valid: true, userId: 'oidc', groups: [], user: partner });
    }
    callers.push({ name: 'forged', mode: 'userPools', valid: false, groups: [], token: forgeToken(owner.accessToken) });
    // Issued for real by the auth service, with its clock set back past the token's validity.
    opts.clock.offsetMs = -3 * 60 * 60 * 1000;
    try {
      const stale = await signInSrp(env, ownerEmail, owner.password);
      callers.push({ name: 'expired', mode: 'userPools', valid: false, groups: [], token: stale.accessToken });
    } finally {
      opts.clock.offsetMs = 0;
    }
  }
  if (identityPoolId && opts.outputs.auth?.unauthenticated_identities_enabled) {
    callers.push({ name: 'guest', mode: 'iam', valid: true, groups: [], iamRole: 'guest', iam: await identityPoolCredentials(opts.endpoint, identityPoolId) });
  }
  const apiKey = opts.outputs.data?.api_key;
  if (apiKey) callers.push({ name: 'apiKey', mode: 'apiKey', valid: true, groups: [], apiKey });
  if (opts.lambdaToken && opts.model.data?.lambdaAuthorizer) callers.push({ name: 'lambda', mode: 'function', valid: true, groups: [], token: opts.lambdaToken });
  callers.push({ name: 'none', mode: 'none', valid: false, groups: [] });
  return callers;
}
