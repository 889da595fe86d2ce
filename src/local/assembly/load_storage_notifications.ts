import { createHash } from 'node:crypto';
import { asList, functionNameOf, whereOf, type LoadContext } from './context.js';
import type { ResourceNode } from './intrinsics.js';
import type { BucketNotificationModel } from './model_storage.js';

interface LambdaConfiguration {
  Id?: unknown;
  Events?: unknown;
  Event?: unknown;
  Filter?: { Key?: { FilterRules?: { Name?: unknown; Value?: unknown }[] }; S3Key?: { Rules?: { Name?: unknown; Value?: unknown }[] } };
  LambdaFunctionArn?: unknown;
  Function?: unknown;
}

/**
 * S3 names a configuration that has no `Id` itself (a base64 string); the local one is derived from
 * where the configuration sits in the template, so it stays the same across restarts.
 */
function derivedId(n: ResourceNode, index: number): string {
  const hex = createHash('sha256').update(`${n.stack.name}/${n.logicalId}/${index}`).digest('hex');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return Buffer.from(uuid).toString('base64');
}

function filterRules(c: LambdaConfiguration): { prefix?: string; suffix?: string } {
  // `Filter.Key.FilterRules` (S3 API, CDK's custom resource) or `Filter.S3Key.Rules` (AWS::S3::Bucket).
  const rules = c.Filter?.Key?.FilterRules ?? c.Filter?.S3Key?.Rules ?? [];
  const out: { prefix?: string; suffix?: string } = {};
  for (const rule of asList(rules) as { Name?: unknown; Value?: unknown }[]) {
    const name = String(rule.Name ?? '').toLowerCase();
    if (name === 'prefix' || name === 'suffix') out[name] = String(rule.Value ?? '');
  }
  return out;
}

function toModel(ctx: LoadContext, n: ResourceNode, prop: string, configs: unknown): BucketNotificationModel[] {
  return (asList(configs) as LambdaConfiguration[]).map((c, i) => {
    const functionArn = String(c.LambdaFunctionArn ?? c.Function ?? '');
    const events = asList(c.Events ?? c.Event).map(String);
    if (!functionArn || events.length === 0) {
      ctx.r.fail(whereOf(n, prop), configs as never, 'a Lambda notification needs a function ARN and at least one event');
    }
    return {
      id: typeof c.Id === 'string' && c.Id ? c.Id : derivedId(n, i),
      events,
      ...filterRules(c),
      functionArn,
      functionLogicalId: ctx.functionsByName.get(functionNameOf(functionArn))?.logicalId,
    };
  });
}

/**
 * The Lambda notifications of one bucket: `LambdaConfigurations` of the `AWS::S3::Bucket` itself and
 * `LambdaFunctionConfigurations` of CDK's `Custom::S3BucketNotifications` resources naming it (how
 * `defineStorage({ triggers })` and `bucket.addEventNotification` synthesize). Queue and topic
 * destinations are not emulated, and said so.
 */
export function loadBucketNotifications(ctx: LoadContext, bucket: ResourceNode, bucketName: string): BucketNotificationModel[] {
  const { r } = ctx;
  const out: BucketNotificationModel[] = [];
  const own = r.prop(bucket, 'NotificationConfiguration') as Record<string, unknown> | undefined;
  if (own?.LambdaConfigurations) out.push(...toModel(ctx, bucket, 'NotificationConfiguration', own.LambdaConfigurations));
  const notes = (cfg: Record<string, unknown> | undefined, n: ResourceNode) => {
    for (const kind of ['QueueConfigurations', 'TopicConfigurations', 'EventBridgeConfiguration']) {
      if (cfg?.[kind]) ctx.warnings.push(`${n.logicalId}: the ${kind} of bucket ${bucketName} are not emulated (only Lambda notifications are)`);
    }
  };
  notes(own, bucket);
  for (const n of r.resources('Custom::S3BucketNotifications')) {
    if (r.propString(n, 'BucketName') !== bucketName) continue;
    const cfg = r.prop(n, 'NotificationConfiguration') as Record<string, unknown> | undefined;
    if (cfg?.LambdaFunctionConfigurations) out.push(...toModel(ctx, n, 'NotificationConfiguration', cfg.LambdaFunctionConfigurations));
    notes(cfg, n);
  }
  return out;
}
