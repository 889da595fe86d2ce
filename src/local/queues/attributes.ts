import type { MessageAttributeValue } from './md5.js';
import type { QueueStore, StoredMessage } from './queue_store.js';

/** The attributes SQS reports: a received message's system attributes, and a queue's. */

export const SYSTEM_ATTRIBUTES = [
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SentTimestamp',
  'SenderId',
  'MessageDeduplicationId',
  'MessageGroupId',
  'SequenceNumber',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
];

/** The system attributes SQS reports for a received message, by name. */
export function systemAttributesOf(m: StoredMessage): Record<string, string> {
  const out: Record<string, string> = {
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
    SentTimestamp: String(m.sentAt),
    SenderId: m.senderId,
  };
  if (m.deduplicationId !== undefined) out.MessageDeduplicationId = m.deduplicationId;
  if (m.groupId !== undefined) out.MessageGroupId = m.groupId;
  if (m.sequenceNumber !== undefined) out.SequenceNumber = m.sequenceNumber;
  const trace = m.systemAttributes?.AWSTraceHeader?.StringValue;
  if (trace !== undefined) out.AWSTraceHeader = trace;
  if (m.deadLetterSourceArn !== undefined) out.DeadLetterQueueSourceArn = m.deadLetterSourceArn;
  return out;
}

/** `All` and `.*` select every attribute, `prefix.*` those under a prefix, anything else by name. */
export function selectAttributes(attributes: Record<string, MessageAttributeValue>, names: string[]): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const wanted = names.some((n) => n === 'All' || n === '.*' || n === name || (n.endsWith('.*') && name.startsWith(n.slice(0, -1))));
    if (wanted) out[name] = value;
  }
  return out;
}

export const QUEUE_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
  'VisibilityTimeout',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'RedrivePolicy',
  'FifoQueue',
  'ContentBasedDeduplication',
  'SqsManagedSseEnabled',
  'Policy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'RedriveAllowPolicy',
];

export function queueAttributes(store: QueueStore): Record<string, string> {
  const q = store.queue;
  const counts = store.counts();
  const created = String(Math.floor(store.createdAt / 1000));
  return {
    QueueArn: q.arn,
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: created,
    LastModifiedTimestamp: created,
    VisibilityTimeout: String(q.visibilityTimeoutSeconds),
    MaximumMessageSize: String(q.maximumMessageSize),
    MessageRetentionPeriod: String(q.messageRetentionSeconds),
    DelaySeconds: String(q.delaySeconds),
    ReceiveMessageWaitTimeSeconds: String(q.receiveMessageWaitTimeSeconds),
    SqsManagedSseEnabled: 'true',
    ...(q.redrivePolicy ? { RedrivePolicy: JSON.stringify(q.redrivePolicy) } : {}),
    ...(q.fifo ? { FifoQueue: 'true', ContentBasedDeduplication: String(q.contentBasedDeduplication) } : {}),
  };
}
