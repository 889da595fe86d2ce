/** The identity pool's guest credentials, as the Amplify client gets them (GetId → GetCredentialsForIdentity). */
import type { LocalCloud } from '../../src/local/app.js';

/** One Cognito identity-pool call (JSON 1.1), as the Amplify client sends it; throws on an error reply. */
export async function identityCall<T = Record<string, unknown>>(endpoint: string, op: string, body: unknown): Promise<T> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${op}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${op}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export interface GuestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/** Undefined when the backend has no identity pool or allows no guests. */
export async function guestCredentials(cloud: Pick<LocalCloud, 'endpoint' | 'outputs'>): Promise<GuestCredentials | undefined> {
  const auth = cloud.outputs.auth;
  if (!auth?.identity_pool_id || !auth.unauthenticated_identities_enabled) return undefined;
  const { IdentityId } = await identityCall(cloud.endpoint, 'GetId', { IdentityPoolId: auth.identity_pool_id });
  const { Credentials: c } = (await identityCall(cloud.endpoint, 'GetCredentialsForIdentity', { IdentityId })) as { Credentials: { AccessKeyId: string; SecretKey: string; SessionToken: string } };
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken };
}
