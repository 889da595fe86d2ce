import { bool, num, whereOf, type LoadContext } from './context.js';
import type { ResourceNode } from './intrinsics.js';
import type { QueueModel, RedrivePolicyModel } from './model_queues.js';

/** SQS's defaults for a queue created without the attribute. */
const DEFAULTS = {
  visibilityTimeoutSeconds: 30,
  messageRetentionSeconds: 345_600,
  delaySeconds: 0,
  receiveMessageWaitTimeSeconds: 0,
  maximumMessageSize: 262_144,
};

/** Every AWS::SQS::Queue of the assembly, with its attributes and redrive policy resolved. */
export function loadQueues(ctx: LoadContext): QueueModel[] {
  const { r } = ctx;
  return r.resources('AWS::SQS::Queue').map((n) => {
    const name = String(r.getAtt(n.stack, n.logicalId, 'QueueName'));
    return {
      logicalId: n.logicalId,
      name,
      arn: String(r.getAtt(n.stack, n.logicalId, 'Arn')),
      url: String(r.ref(n.stack, n.logicalId)),
      fifo: bool(r.prop(n, 'FifoQueue'), false) || name.endsWith('.fifo'),
      contentBasedDeduplication: bool(r.prop(n, 'ContentBasedDeduplication'), false),
      visibilityTimeoutSeconds: num(r.prop(n, 'VisibilityTimeout')) ?? DEFAULTS.visibilityTimeoutSeconds,
      messageRetentionSeconds: num(r.prop(n, 'MessageRetentionPeriod')) ?? DEFAULTS.messageRetentionSeconds,
      delaySeconds: num(r.prop(n, 'DelaySeconds')) ?? DEFAULTS.delaySeconds,
      receiveMessageWaitTimeSeconds: num(r.prop(n, 'ReceiveMessageWaitTimeSeconds')) ?? DEFAULTS.receiveMessageWaitTimeSeconds,
      maximumMessageSize: num(r.prop(n, 'MaximumMessageSize')) ?? DEFAULTS.maximumMessageSize,
      redrivePolicy: redrivePolicy(ctx, n),
    };
  });
}

/** RedrivePolicy is an object in templates, or the JSON string SetQueueAttributes takes. */
function redrivePolicy(ctx: LoadContext, n: ResourceNode): RedrivePolicyModel | undefined {
  let value = ctx.r.prop(n, 'RedrivePolicy');
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      ctx.r.fail(whereOf(n, 'RedrivePolicy'), value, 'the redrive policy is not JSON');
    }
  }
  const policy = value as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
  const maxReceiveCount = num(policy.maxReceiveCount);
  if (typeof policy.deadLetterTargetArn !== 'string' || maxReceiveCount === undefined) {
    ctx.r.fail(whereOf(n, 'RedrivePolicy'), n.def.Properties?.RedrivePolicy ?? null, 'the redrive policy needs deadLetterTargetArn and maxReceiveCount');
  }
  return { deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount };
}
