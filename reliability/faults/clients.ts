/**
 * The writers of the crash and load runs, derived from the backend's outputs: signed-in users
 * (SRP over the local Cognito API), their identity-pool credentials, GraphQL creates of every model
 * in the model introspection, and S3 writes under the paths the storage outputs grant an identity.
 */
import { createHash } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import type { AmplifyOutputs } from '../../src/local/outputs.js';
import { createUser, signInSrp, type CognitoEnv, type SignedInUser } from '../../tests/e2e/data_users.js';
import type { Rng } from '../fuzz/rng.js';
import { identityCall } from '../../tests/helpers/guest_credentials.js';

interface IntrospectedField {
  name: string;
  type: string | { enum?: string; model?: string; nonModel?: string };
  isArray: boolean;
  isRequired: boolean;
  isReadOnly?: boolean;
  association?: { connectionType: string; targetNames?: string[] };
}
interface IntrospectedModel {
  name: string;
  pluralName: string;
  fields: Record<string, IntrospectedField>;
  primaryKeyInfo: { primaryKeyFieldName: string; sortKeyFieldNames: string[] };
}
interface Introspection {
  models: Record<string, IntrospectedModel>;
  enums: Record<string, { values: string[] }>;
}

/** How to create one model's items: the fields written, and the parent a belongsTo key points at. */
export interface ModelPlan {
  name: string;
  pluralName: string;
  keyFields: string[];
  /** Scalar fields written on create (required ones, plus optional strings when the rules allow them). */
  fields: IntrospectedField[];
  /** belongsTo: `field` holds the id of a `model` item. */
  parents: { field: string; model: string }[];
}

export type Item = Record<string, unknown>;

const SCALARS: Record<string, (rng: Rng) => unknown> = {
  ID: (rng) => `id-${rng.bytes(8).toString('hex')}`,
  String: (rng) => `text ${rng.bytes(rng.int(40) + 1).toString('base64')}`,
  Int: (rng) => rng.int(1_000_000) - 500_000,
  Float: (rng) => Math.round(rng.next() * 1e6) / 1e3,
  Boolean: (rng) => rng.chance(0.5),
  AWSDateTime: (rng) => new Date(Date.UTC(2026, 0, 1) + rng.int(1e9) * 1000).toISOString(),
  AWSDate: () => '2026-01-02',
  AWSTime: () => '12:34:56.000',
  AWSTimestamp: (rng) => 1_700_000_000 + rng.int(1e8),
  AWSEmail: (rng) => `u${rng.int(1e6)}@example.com`,
  AWSJSON: (rng) => JSON.stringify({ n: rng.int(1000) }),
  AWSURL: (rng) => `https://example.com/${rng.int(1e6)}`,
  AWSPhone: () => '+15555550100',
  AWSIPAddress: () => '10.0.0.1',
};

export function introspectionOf(outputs: AmplifyOutputs): Introspection | undefined {
  return outputs.data?.model_introspection as Introspection | undefined;
}

/** Plans for every model whose required fields can be generated (the rest are listed as skipped). */
export function modelPlans(outputs: AmplifyOutputs, optionalStrings: boolean): { plans: ModelPlan[]; skipped: string[] } {
  const mi = introspectionOf(outputs);
  const plans: ModelPlan[] = [];
  const skipped: string[] = [];
  for (const m of Object.values(mi?.models ?? {})) {
    const parents: ModelPlan['parents'] = [];
    for (const f of Object.values(m.fields)) {
      if (f.association?.connectionType === 'BELONGS_TO' && typeof f.type === 'object' && f.type.model && f.association.targetNames?.length === 1) {
        parents.push({ field: f.association.targetNames[0], model: f.type.model });
      }
    }
    const writable = Object.values(m.fields).filter((f) => !f.isReadOnly && !f.association);
    const generable = (f: IntrospectedField) => (typeof f.type === 'string' ? f.type in SCALARS : Boolean(f.type.enum));
    const unfillable = writable.filter((f) => f.isRequired && !generable(f) && !parents.some((p) => p.field === f.name));
    if (unfillable.length) {
      skipped.push(`${m.name} (cannot fill ${unfillable.map((f) => f.name).join(', ')})`);
      continue;
    }
    const fields = writable.filter((f) => generable(f) && (f.isRequired || (optionalStrings && f.type === 'String' && f.name !== 'owner')));
    plans.push({ name: m.name, pluralName: m.pluralName, keyFields: [m.primaryKeyInfo.primaryKeyFieldName, ...m.primaryKeyInfo.sortKeyFieldNames], fields, parents });
  }
  return { plans, skipped };
}

/** A new item's input for `plan`; `parentId(model)` supplies the belongsTo keys. */
export function itemInput(plan: ModelPlan, rng: Rng, outputs: AmplifyOutputs, parentId: (model: string) => string | undefined): Item | undefined {
  const enums = introspectionOf(outputs)?.enums ?? {};
  const input: Item = {};
  for (const f of plan.fields) {
    const parent = plan.parents.find((p) => p.field === f.name);
    if (parent) {
      const id = parentId(parent.model);
      if (id === undefined) return undefined;
      input[f.name] = id;
      continue;
    }
    const one = () => (typeof f.type === 'string' ? SCALARS[f.type](rng) : rng.pick(enums[f.type.enum!].values));
    input[f.name] = f.isArray ? [one()] : one();
  }
  return input;
}

export function createMutation(plan: ModelPlan): string {
  const selection = [...new Set([...plan.keyFields, ...plan.fields.map((f) => f.name)])].join(' ');
  return `mutation Create($input: Create${plan.name}Input!) { create${plan.name}(input: $input) { ${selection} } }`;
}

export function getQuery(plan: ModelPlan, outputs: AmplifyOutputs): string {
  const fields = introspectionOf(outputs)!.models[plan.name].fields;
  const typeOf = (name: string) => {
    const t = fields[name].type;
    return `${typeof t === 'string' ? t : t.enum}!`;
  };
  const args = plan.keyFields.map((k) => `$${k}: ${typeOf(k)}`).join(', ');
  const pass = plan.keyFields.map((k) => `${k}: $${k}`).join(', ');
  const selection = [...new Set([...plan.keyFields, ...plan.fields.map((f) => f.name)])].join(' ');
  return `query Get(${args}) { get${plan.name}(${pass}) { ${selection} } }`;
}

/** `POST /graphql` in user-pool mode, with an abort deadline. */
export async function graphql(endpoint: string, token: string, query: string, variables: Item, timeoutMs = 30_000): Promise<{ status: number; data?: Record<string, unknown> | null; errors?: { errorType?: string; message: string }[] }> {
  const res = await fetch(`${endpoint}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=UTF-8', authorization: token },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as { data?: Record<string, unknown> | null; errors?: { errorType?: string; message: string }[] };
  return { status: res.status, ...body };
}

export function cognitoEnvOf(outputs: AmplifyOutputs, endpoint: string): CognitoEnv {
  const auth = outputs.auth!;
  return {
    endpoint,
    userPoolId: auth.user_pool_id,
    clientId: auth.user_pool_client_id,
    requiredAttributes: auth.standard_required_attributes ?? [],
  };
}

export interface Writer {
  user: SignedInUser;
  identityId?: string;
  s3?: S3Client;
  /** The same credentials without response checksum validation (the verifier compares bytes itself). */
  verifyS3?: S3Client;
  /** Key prefixes this identity may write (the storage paths with the identity filled in). */
  prefixes: string[];
  bucket?: string;
}

/** The signed-in user's identity-pool credentials (GetId with the ID token's issuer as the Logins key). */
export async function identityCredentials(outputs: AmplifyOutputs, endpoint: string, user: SignedInUser, identityId?: string) {
  const iss = (JSON.parse(Buffer.from(user.idToken.split('.')[1], 'base64url').toString()) as { iss: string }).iss;
  const Logins = { [iss.replace(/^https?:\/\//, '')]: user.idToken };
  const id = identityId ?? ((await identityCall(endpoint, 'GetId', { IdentityPoolId: outputs.auth!.identity_pool_id, Logins })).IdentityId as string);
  const { Credentials: c } = (await identityCall(endpoint, 'GetCredentialsForIdentity', { IdentityId: id, Logins })) as { Credentials: { AccessKeyId: string; SecretKey: string; SessionToken: string } };
  return { identityId: id, credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken } };
}

/** The storage paths an authenticated identity may write, with its id in place of the placeholder. */
export function writablePrefixes(outputs: AmplifyOutputs, identityId: string): { bucket?: string; prefixes: string[] } {
  const bucket = outputs.storage?.buckets?.[0];
  if (!bucket) return { prefixes: [] };
  const prefixes: string[] = [];
  for (const [p, access] of Object.entries(bucket.paths ?? {})) {
    const writers = Object.entries(access as Record<string, string[]>).filter(([who, ops]) => ops.includes('write') && (who === 'entityidentity' || who === 'authenticated'));
    if (!writers.length) continue;
    prefixes.push(p.replace('${cognito-identity.amazonaws.com:sub}', identityId).replace(/\*$/, ''));
  }
  return { bucket: bucket.bucket_name, prefixes };
}

export function s3ClientFor(endpoint: string, region: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string }, validate = true): S3Client {
  return new S3Client({ endpoint, region, forcePathStyle: true, credentials, maxAttempts: 1, ...(validate ? {} : { responseChecksumValidation: 'WHEN_REQUIRED' as const }) });
}

/** A user, signed in, with S3 access when the backend has an identity pool and storage. */
export async function newWriter(outputs: AmplifyOutputs, endpoint: string, email: string): Promise<Writer> {
  const env = cognitoEnvOf(outputs, endpoint);
  const user = await createUser(env, email);
  if (!outputs.auth?.identity_pool_id || !outputs.storage) return { user, prefixes: [] };
  const { identityId, credentials } = await identityCredentials(outputs, endpoint, user);
  const { bucket, prefixes } = writablePrefixes(outputs, identityId);
  return { user, identityId, prefixes, bucket, s3: s3ClientFor(endpoint, outputs.storage.aws_region, credentials), verifyS3: s3ClientFor(endpoint, outputs.storage.aws_region, credentials, false) };
}

/** Signs `user` in again (after a restart the old tokens stay valid; this is the fallback). */
export function signInAgain(outputs: AmplifyOutputs, endpoint: string, user: SignedInUser): Promise<SignedInUser> {
  return signInSrp(cognitoEnvOf(outputs, endpoint), user.email, user.password);
}

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
