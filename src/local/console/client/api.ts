/**
 * How the console talks to the local cloud: the admin API (`/_local/...`) for views, and the
 * admin API's signing proxy (`/_local/aws/<signing-name>/...`) for everything done as the developer
 * user through the services' own APIs, so each action passes the same authorization as an SDK call.
 */

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly type?: string,
  ) {
    super(message);
  }
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  return readJson<T>(res);
}

async function readJson<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiError(`${res.status}: ${text.slice(0, 300)}`, res.status);
  }
  if (!res.ok) {
    const b = body as { __type?: string; message?: string; Message?: string };
    const type = b.__type?.split('#').pop();
    throw new ApiError(`${type ?? res.status}: ${b.message ?? b.Message ?? text}`, res.status, type);
  }
  return body as T;
}

/** One Cognito user pool API call (`AdminCreateUser`, `ListUsers`…), signed as the developer. */
export async function cognito<T = Record<string, unknown>>(operation: string, input: Record<string, unknown>): Promise<T> {
  const res = await fetch('/_local/aws/cognito-idp/', {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
    body: JSON.stringify(input),
  });
  return readJson<T>(res);
}

export interface GraphqlResult<T> {
  data?: T;
  errors?: { message: string; errorType?: string }[];
}

/** A GraphQL request with IAM authorization (the developer user), as AppSync serves it. */
export async function graphql<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<GraphqlResult<T>> {
  const res = await fetch('/_local/aws/appsync/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  try {
    return JSON.parse(text) as GraphqlResult<T>;
  } catch {
    throw new ApiError(`${res.status}: ${text.slice(0, 300)}`, res.status);
  }
}

/** S3 path of an object, each key segment encoded as S3 expects in a path-style URL. */
export function s3Path(bucket: string, key = ''): string {
  return `/_local/aws/s3/${encodeURIComponent(bucket)}${key ? `/${key.split('/').map(encodeURIComponent).join('/')}` : ''}`;
}

export interface S3Listing {
  prefixes: string[];
  objects: { key: string; size: number; lastModified: string }[];
  truncated: boolean;
}

export async function s3List(bucket: string, prefix: string): Promise<S3Listing> {
  const q = new URLSearchParams({ 'list-type': '2', prefix, delimiter: '/' });
  const res = await fetch(`${s3Path(bucket)}?${q}`);
  const text = await res.text();
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  if (!res.ok) throw new ApiError(`${doc.querySelector('Code')?.textContent ?? res.status}: ${doc.querySelector('Message')?.textContent ?? text}`, res.status);
  const all = (sel: string) => Array.from(doc.getElementsByTagName(sel));
  const child = (el: Element, name: string) => el.getElementsByTagName(name)[0]?.textContent ?? '';
  return {
    prefixes: all('CommonPrefixes').map((p) => child(p, 'Prefix')),
    objects: all('Contents').map((c) => ({ key: child(c, 'Key'), size: Number(child(c, 'Size')), lastModified: child(c, 'LastModified') })),
    truncated: child(doc.documentElement, 'IsTruncated') === 'true',
  };
}

export async function s3Send(method: 'PUT' | 'DELETE', bucket: string, key: string, body?: Blob): Promise<void> {
  const res = await fetch(s3Path(bucket, key), { method, body, headers: body?.type ? { 'content-type': body.type } : {} });
  if (!res.ok) {
    const text = await res.text();
    const doc = new DOMParser().parseFromString(text, 'application/xml');
    throw new ApiError(`${doc.querySelector('Code')?.textContent ?? res.status}: ${doc.querySelector('Message')?.textContent ?? text}`, res.status);
  }
}

/** What `GET /_local/overview` answers (see core/admin_console.ts). */
export interface Overview {
  endpoint: string;
  region: string;
  accountId: string;
  stackName: string;
  outputsPath: string | null;
  caCertPath: string;
  developerAccessKeyId: string;
  services: { name: string; lines: string[] }[];
  userPools: { id: string; name: string; usernameAttributes: string[]; mfa: string; groups: string[]; clients: { id: string; name: string }[]; requiredAttributes: string[] }[];
  data?: { apiId: string; name: string; authModes: string[]; models: string[]; tables: string[] };
  buckets: { name: string; bucketName: string; isDefault: boolean; paths: string[] }[];
  functions: { name: string; functionName: string }[];
  kinesisStreams: string[];
  pinpointApps: { id: string; name: string; channels: string[] }[];
  dashboards: string[];
  warnings: string[];
}
