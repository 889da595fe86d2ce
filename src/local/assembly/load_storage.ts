import { asList, num, type LoadContext } from './context.js';
import { bucketDeployments } from './load_data.js';
import { loadBucketNotifications } from './load_storage_notifications.js';
import type { StorageAccessAction, StorageBucketModel, StorageModel } from './model_storage.js';
import { friendlyName } from './physical.js';

interface OutputBucket {
  name: string;
  bucketName: string;
  paths?: Record<string, Record<string, StorageAccessAction[]>>;
}

/**
 * The user's buckets: those `defineStorage` declares (root output `buckets`: a JSON list of JSON
 * strings with the friendly name, bucket name and path rules; `bucketName` names the default) and
 * the AWS::S3::Bucket resources of custom stacks. Buckets CDK fills through bucket deployments
 * (codegen assets, model introspection) are Amplify's own and left out.
 */
export function loadStorage(ctx: LoadContext): StorageModel | undefined {
  const { r } = ctx;
  const declared = new Map<string, OutputBucket>();
  const raw = ctx.rootOutput('buckets');
  if (raw) {
    for (const entry of JSON.parse(raw) as unknown[]) {
      const bucket = (typeof entry === 'string' ? JSON.parse(entry) : entry) as OutputBucket;
      declared.set(bucket.bucketName, bucket);
    }
  }
  const defaultName = ctx.rootOutput('bucketName');
  const system = new Set(bucketDeployments(ctx).keys());

  const buckets: StorageBucketModel[] = [];
  for (const n of r.resources('AWS::S3::Bucket')) {
    const bucketName = String(r.ref(n.stack, n.logicalId));
    const fromOutputs = declared.get(bucketName);
    if (!fromOutputs && system.has(bucketName)) continue;
    const versioning = r.prop(n, 'VersioningConfiguration') as { Status?: string } | undefined;
    const cors = (r.prop(n, 'CorsConfiguration') as { CorsRules?: Record<string, unknown>[] } | undefined)?.CorsRules;
    buckets.push({
      logicalId: n.logicalId,
      friendlyName: fromOutputs?.name ?? friendlyName(r, n) ?? n.logicalId,
      bucketName,
      isDefault: bucketName === defaultName,
      versioned: versioning?.Status === 'Enabled',
      paths: fromOutputs?.paths ?? {},
      arn: String(r.getAtt(n.stack, n.logicalId, 'Arn')),
      notifications: loadBucketNotifications(ctx, n, bucketName),
      corsRules: cors?.map((c) => ({
        allowedMethods: asList(c.AllowedMethods).map(String),
        allowedOrigins: asList(c.AllowedOrigins).map(String),
        allowedHeaders: c.AllowedHeaders === undefined ? undefined : asList(c.AllowedHeaders).map(String),
        exposedHeaders: c.ExposedHeaders === undefined ? undefined : asList(c.ExposedHeaders).map(String),
        maxAgeSeconds: num(c.MaxAge),
      })),
    });
  }
  for (const name of declared.keys()) {
    if (!buckets.some((b) => b.bucketName === name)) {
      ctx.warnings.push(`the buckets output names ${name}, which is no bucket of the assembly`);
    }
  }
  return buckets.length > 0 ? { buckets } : undefined;
}
