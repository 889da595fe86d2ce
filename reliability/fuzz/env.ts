/** Builds a FuzzEnv for a running local cloud: its outputs, model and (when allowed) guest credentials. */
import type { LocalCloud } from '../../src/local/app.js';
import type { Credentials, FuzzEnv } from './targets.js';

async function identityCall(endpoint: string, op: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${op}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${op}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The identity pool's guest credentials, or undefined when the backend allows no guests. */
export async function guestCredentials(cloud: Pick<LocalCloud, 'endpoint' | 'outputs'>): Promise<Credentials | undefined> {
  const auth = cloud.outputs.auth;
  if (!auth?.identity_pool_id || !auth.unauthenticated_identities_enabled) return undefined;
  const { IdentityId } = await identityCall(cloud.endpoint, 'GetId', { IdentityPoolId: auth.identity_pool_id });
  const { Credentials: c } = (await identityCall(cloud.endpoint, 'GetCredentialsForIdentity', { IdentityId })) as { Credentials: { AccessKeyId: string; SecretKey: string; SessionToken: string } };
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken };
}

export async function fuzzEnvOf(cloud: Pick<LocalCloud, 'endpoint' | 'outputs' | 'model'>): Promise<FuzzEnv> {
  return { endpoint: cloud.endpoint, outputs: cloud.outputs, model: cloud.model, credentials: await guestCredentials(cloud) };
}
