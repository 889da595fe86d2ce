import { identityPoolsOf, userPoolsOf, type BackendModel } from '../assembly/model.js';

/**
 * The AWS hostnames a backend answers as in AWS-hostname mode: the names the SDKs and the Amplify
 * libraries build from the region and the resource ids of a deployed backend, so clients that
 * ignore custom endpoints (Amplify Swift and Android) reach the local cloud unchanged. Driven by the
 * model: a name is listed only when the backend has something behind it, so a device routed here
 * (DNS or proxy) still reaches real AWS for everything else.
 */

/** What a served hostname stands for; the front door routes on it. */
export type HostRole =
  | { service: 'cognito-idp' }
  | { service: 'cognito-identity' }
  | { service: 'appsync-api'; apiId: string }
  | { service: 'appsync-realtime-api'; apiId: string }
  /** Path-style S3 (`s3.<region>.amazonaws.com/<bucket>/<key>`). */
  | { service: 's3' }
  /** Virtual-hosted S3 (`<bucket>.s3.<region>.amazonaws.com/<key>`). */
  | { service: 's3-bucket'; bucket: string }
  | { service: 'lambda' }
  | { service: 'pinpoint' }
  | { service: 'kinesis' }
  | { service: 'sts' }
  | { service: 'kms' }
  | { service: 'sqs' }
  | { service: 'ssm' }
  | { service: 'dynamodb' };

/** The DNS suffix of the region's partition, as `@aws-amplify/core`'s `getDnsSuffix` has it. */
export function dnsSuffix(region: string): string {
  return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** The regional hostname of an AWS service: `cognito-idp.us-east-1.amazonaws.com`. */
export function awsServiceHost(service: string, region: string): string {
  return `${service}.${region.toLowerCase()}.${dnsSuffix(region.toLowerCase())}`;
}

/** Every served hostname (lowercase, no trailing dot) and what it stands for, in a stable order. */
export function hostnameRoles(model: BackendModel): Map<string, HostRole> {
  const region = model.region.toLowerCase();
  const suffix = dnsSuffix(region);
  const roles = new Map<string, HostRole>();
  const add = (name: string, role: HostRole) => {
    if (!roles.has(name.toLowerCase())) roles.set(name.toLowerCase(), role);
  };
  const regional = (service: string) => awsServiceHost(service, region);

  if (userPoolsOf(model).length > 0) add(regional('cognito-idp'), { service: 'cognito-idp' });
  if (identityPoolsOf(model).length > 0) add(regional('cognito-identity'), { service: 'cognito-identity' });

  if (model.data) {
    const apiId = model.data.apiId;
    add(`${apiId}.appsync-api.${region}.${suffix}`, { service: 'appsync-api', apiId });
    add(`${apiId}.appsync-realtime-api.${region}.${suffix}`, { service: 'appsync-realtime-api', apiId });
    // The generated resolvers' tables, for server-side SDK code and tools that talk to DynamoDB.
    add(regional('dynamodb'), { service: 'dynamodb' });
  }

  const buckets = model.storage?.buckets ?? [];
  if (buckets.length > 0) {
    // aws-amplify and the AWS SDKs use the regional endpoint; buckets with a dot (every local bucket)
    // go path-style there. `s3.amazonaws.com` is the legacy global endpoint older SDKs still use
    // for us-east-1. Virtual-hosted names are served too, for clients that force them.
    add(regional('s3'), { service: 's3' });
    if (suffix === 'amazonaws.com') add(`s3.${suffix}`, { service: 's3' });
    for (const b of buckets) add(`${b.bucketName}.s3.${region}.${suffix}`, { service: 's3-bucket', bucket: b.bucketName });
  }

  if (model.functions.length > 0) add(regional('lambda'), { service: 'lambda' });
  // Analytics clients hard-code the Pinpoint host; Kinesis analytics use the stream's regional endpoint.
  if (model.messaging.pinpointApps.length > 0) add(regional('pinpoint'), { service: 'pinpoint' });
  if (model.messaging.kinesisStreams.length > 0) add(regional('kinesis'), { service: 'kinesis' });

  // STS answers for every backend (the developer keys' GetCallerIdentity, web identities).
  add(regional('sts'), { service: 'sts' });
  if (suffix === 'amazonaws.com') add(`sts.${suffix}`, { service: 'sts' });

  if ((model.keys?.keys.length ?? 0) > 0) add(regional('kms'), { service: 'kms' });
  if ((model.queues?.length ?? 0) > 0) add(regional('sqs'), { service: 'sqs' });
  if (model.functions.some((f) => (f.secrets?.length ?? 0) > 0)) add(regional('ssm'), { service: 'ssm' });
  return roles;
}

/** The AWS hostnames this backend answers as (lowercase, no trailing dot). */
export function awsHostnames(model: BackendModel): string[] {
  return [...hostnameRoles(model).keys()];
}

/**
 * A hostname as names are compared: lowercase, without a trailing dot, without a `:port` (so a Host
 * header or a CONNECT target matches too). IPv6 literals are returned unchanged but for case.
 */
export function normalizeHostname(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h;
  const colon = h.lastIndexOf(':');
  if (colon >= 0 && h.indexOf(':') === colon && /^\d+$/.test(h.slice(colon + 1))) h = h.slice(0, colon);
  while (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/** Exact-name matcher over `names`: case-insensitive, a trailing dot and a `:port` tolerated. */
export function hostnameMatcher(names: string[]): (host: string) => boolean {
  const set = new Set(names.map(normalizeHostname));
  return (host) => typeof host === 'string' && host.length > 0 && set.has(normalizeHostname(host));
}

/** What `host` stands for among the model's served names, or undefined for any other host. */
export function hostRoleOf(roles: ReadonlyMap<string, HostRole>, host: string | null | undefined): HostRole | undefined {
  if (!host) return undefined;
  return roles.get(normalizeHostname(host));
}
