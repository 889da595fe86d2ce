import { createHash } from 'node:crypto';
import type { AuthorizeResult } from '../core/iam_authorize.js';
import { invalidParameter, missingParameter, queueDoesNotExist, SqsError } from './errors.js';
import { QUEUE_ATTRIBUTES, queueAttributes, selectAttributes, SYSTEM_ATTRIBUTES, systemAttributesOf } from './attributes.js';
import { parseReceiptHandle, type QueueStore, type SendInput, type StoredMessage } from './queue_store.js';
import { checkBatchEntries, checkBody, messageAttributes, optionalInt, optionalString, requiredString, stringList, type Input } from './validate.js';

export interface ActionContext {
  region: string;
  accountId: string;
  /** `https://127.0.0.1:<port>`: queue URLs are `<endpoint>/<account>/<name>`. */
  endpoint: string;
  queues: ReadonlyMap<string, QueueStore>;
  /** The caller's role policies for `sqs:<Action>` on a queue ARN. */
  authorize(action: string, resource: string): AuthorizeResult;
  /** SenderId of messages the caller sends (`<role id>:<session>`). */
  senderId: string;
  /** Long polling: resolves when `store` may have a message, or after `ms`. */
  waitForMessages(store: QueueStore, ms: number): Promise<void>;
  /** True once the service is stopping: long polls end at once. */
  stopping(): boolean;
}

type Output = Record<string, unknown>;
type Action = (ctx: ActionContext, input: Input) => Promise<Output> | Output;

export const queueUrl = (ctx: Pick<ActionContext, 'endpoint' | 'accountId'>, name: string) => `${ctx.endpoint}/${ctx.accountId}/${name}`;
const queueArn = (ctx: ActionContext, name: string) => `arn:aws:sqs:${ctx.region}:${ctx.accountId}:${name}`;

/** The queue a QueueUrl names, after the caller's policies allow `iamAction` on it. */
function queueFor(ctx: ActionContext, input: Input, iamAction: string): QueueStore {
  const url = requiredString(input, 'QueueUrl');
  let segments: string[];
  try {
    segments = new URL(url).pathname.split('/').filter(Boolean);
  } catch {
    // SQS also accepts a bare `<account>/<name>` path.
    segments = url.split('/').filter(Boolean);
  }
  if (segments.length !== 2 || !/^\d{12}$/.test(segments[0])) {
    throw new SqsError('InvalidAddress', `The address ${url} is not valid for this endpoint.`);
  }
  let account: string;
  let name: string;
  try {
    [account, name] = segments.map(decodeURIComponent);
  } catch {
    throw new SqsError('InvalidAddress', `The address ${url} is not valid for this endpoint.`);
  }
  authorize(ctx, iamAction, `arn:aws:sqs:${ctx.region}:${account}:${name}`);
  const store = account === ctx.accountId ? ctx.queues.get(name) : undefined;
  if (!store) throw queueDoesNotExist();
  return store;
}

function authorize(ctx: ActionContext, iamAction: string, resource: string): void {
  const result = ctx.authorize(`sqs:${iamAction}`, resource);
  if (!result.allowed) throw new SqsError('AccessDenied', result.message);
}

/** A message as a request names it; the sender comes from the caller. */
type SendFields = Omit<SendInput, 'senderId'>;

/** Validates one SendMessage (or batch entry) against the queue's type and limits. */
function sendFields(store: QueueStore, input: Input): SendFields {
  const q = store.queue;
  const body = optionalString(input, 'MessageBody');
  if (body === undefined || body === '') throw missingParameter('MessageBody');
  checkBody(body, q.maximumMessageSize);
  const delaySeconds = optionalInt(input, 'DelaySeconds', 0, 900, 'Must be >= 0 and <= 900, if provided.');
  const groupId = optionalString(input, 'MessageGroupId');
  let deduplicationId = optionalString(input, 'MessageDeduplicationId');
  for (const [name, value] of [['MessageGroupId', groupId], ['MessageDeduplicationId', deduplicationId]] as const) {
    if (value !== undefined && !/^[\x21-\x7E]{1,128}$/.test(value)) {
      throw invalidParameter(name, value, `${name} can only include alphanumeric and punctuation characters. 1 to 128 in length.`);
    }
  }
  if (q.fifo) {
    if (delaySeconds !== undefined && delaySeconds > 0) {
      throw invalidParameter('DelaySeconds', delaySeconds, 'The request include parameter that is not valid for this queue type.');
    }
    if (groupId === undefined) throw missingParameter('MessageGroupId');
    if (deduplicationId === undefined) {
      if (!q.contentBasedDeduplication) {
        throw new SqsError('InvalidParameterValue', 'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
      }
      // Content-based deduplication: the SHA-256 of the body.
      deduplicationId = createSha256(body);
    }
  } else if (deduplicationId !== undefined) {
    throw invalidParameter('MessageDeduplicationId', deduplicationId, 'The request include parameter that is not valid for this queue type');
  }
  const attributes = messageAttributes(input, 'MessageAttributes');
  const systemAttributes = messageAttributes(input, 'MessageSystemAttributes');
  for (const name of Object.keys(systemAttributes ?? {})) {
    if (name !== 'AWSTraceHeader') throw new SqsError('InvalidParameterValue', `Message system attribute name '${name}' is invalid.`);
  }
  return { body, attributes, systemAttributes, delaySeconds, groupId, deduplicationId };
}

const createSha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function sendResult(m: StoredMessage): Output {
  return {
    MessageId: m.messageId,
    MD5OfMessageBody: m.md5OfBody,
    ...(m.md5OfAttributes ? { MD5OfMessageAttributes: m.md5OfAttributes } : {}),
    ...(m.md5OfSystemAttributes ? { MD5OfMessageSystemAttributes: m.md5OfSystemAttributes } : {}),
    ...(m.sequenceNumber ? { SequenceNumber: m.sequenceNumber } : {}),
  };
}

function send(ctx: ActionContext, store: QueueStore, fields: SendFields): StoredMessage {
  return store.send({ ...fields, senderId: ctx.senderId }).message;
}

async function receiveMessage(ctx: ActionContext, input: Input): Promise<Output> {
  const store = queueFor(ctx, input, 'ReceiveMessage');
  const max = optionalInt(input, 'MaxNumberOfMessages', 1, 10, 'Must be between 1 and 10, if provided.') ?? 1;
  const visibility = optionalInt(input, 'VisibilityTimeout', 0, 43_200, 'Must be >= 0 and <= 43200, if provided.');
  const wait = optionalInt(input, 'WaitTimeSeconds', 0, 20, 'Must be >= 0 and <= 20, if provided.') ?? store.queue.receiveMessageWaitTimeSeconds;
  const systemNames = [...stringList(input, 'AttributeNames'), ...stringList(input, 'MessageSystemAttributeNames')];
  for (const n of systemNames) {
    if (n !== 'All' && !SYSTEM_ATTRIBUTES.includes(n)) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${n}.`);
  }
  const attributeNames = stringList(input, 'MessageAttributeNames');

  const deadline = performance.now() + wait * 1000;
  let messages = store.receive({ max, visibilityTimeoutSeconds: visibility });
  while (messages.length === 0 && performance.now() < deadline && !ctx.stopping()) {
    await ctx.waitForMessages(store, deadline - performance.now());
    messages = store.receive({ max, visibilityTimeoutSeconds: visibility });
  }
  if (messages.length === 0) return {};
  return {
    Messages: messages.map((m) => {
      const system = systemAttributesOf(m);
      const attributes = Object.fromEntries(Object.entries(system).filter(([k]) => systemNames.includes('All') || systemNames.includes(k)));
      const selected = selectAttributes(m.attributes ?? {}, attributeNames);
      return {
        MessageId: m.messageId,
        ReceiptHandle: m.receiptHandle,
        MD5OfBody: m.md5OfBody,
        Body: m.body,
        ...(Object.keys(attributes).length ? { Attributes: attributes } : {}),
        // SQS reports the digest of all the message's attributes whenever it returns some.
        ...(Object.keys(selected).length ? { MD5OfMessageAttributes: m.md5OfAttributes, MessageAttributes: selected } : {}),
      };
    }),
  };
}

/** The message a receipt handle of this queue names; ReceiptHandleIsInvalid for anything else. */
function handleFor(store: QueueStore, handle: string): { messageId: string } {
  const parsed = parseReceiptHandle(handle);
  if (!parsed || parsed.queueName !== store.queue.name) {
    throw new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`);
  }
  return parsed;
}

function changeVisibility(store: QueueStore, handle: string, input: Input): void {
  const seconds = optionalInt(input, 'VisibilityTimeout', 0, 43_200, 'Must be >= 0 and <= 43200, if provided.');
  if (seconds === undefined) throw missingParameter('VisibilityTimeout');
  const { messageId } = handleFor(store, handle);
  const outcome = store.changeVisibility(messageId, handle, seconds);
  if (outcome === 'not-inflight') throw new SqsError('MessageNotInflight', 'The message referred to is not in flight.');
  if (outcome === 'unknown') {
    throw invalidParameter('ReceiptHandle', handle, 'Message does not exist or is not available for visibility timeout change.');
  }
}

/** Runs each batch entry, collecting per-entry failures as SQS reports them. */
function batch(entries: Input[], run: (entry: Input) => Output): Output {
  const Successful: Output[] = [];
  const Failed: Output[] = [];
  for (const entry of entries) {
    try {
      Successful.push({ Id: entry.Id, ...run(entry) });
    } catch (err) {
      if (!(err instanceof SqsError)) throw err;
      Failed.push({ Id: entry.Id, SenderFault: true, Code: err.code, Message: err.message });
    }
  }
  return { Successful, Failed };
}

export const ACTIONS: Record<string, Action> = {
  // An accepted message is on disk before SQS says so: a crash right after cannot lose it.
  async SendMessage(ctx, input) {
    const store = queueFor(ctx, input, 'SendMessage');
    const result = sendResult(send(ctx, store, sendFields(store, input)));
    await store.persisted();
    return result;
  },

  async SendMessageBatch(ctx, input) {
    const store = queueFor(ctx, input, 'SendMessage');
    const entries = checkBatchEntries(input.Entries, 'SendMessageBatchRequestEntry');
    const fields = entries.map((e) => {
      try {
        return sendFields(store, e);
      } catch (err) {
        return err as Error;
      }
    });
    const total = fields.reduce((sum, f) => sum + (f instanceof Error ? 0 : Buffer.byteLength(f.body)), 0);
    if (total > store.queue.maximumMessageSize) {
      throw new SqsError('BatchRequestTooLong', `Batch requests cannot be longer than ${store.queue.maximumMessageSize} bytes. You have sent ${total} bytes.`);
    }
    const result = batch(entries, (e) => {
      const f = fields[entries.indexOf(e)];
      if (f instanceof Error) throw f;
      return sendResult(send(ctx, store, f));
    });
    await store.persisted();
    return result;
  },

  ReceiveMessage: receiveMessage,

  DeleteMessage(ctx, input) {
    const store = queueFor(ctx, input, 'DeleteMessage');
    const handle = requiredString(input, 'ReceiptHandle');
    store.delete(handleFor(store, handle).messageId, handle);
    return {};
  },

  DeleteMessageBatch(ctx, input) {
    const store = queueFor(ctx, input, 'DeleteMessage');
    const entries = checkBatchEntries(input.Entries, 'DeleteMessageBatchRequestEntry');
    return batch(entries, (e) => {
      const handle = requiredString(e, 'ReceiptHandle');
      store.delete(handleFor(store, handle).messageId, handle);
      return {};
    });
  },

  ChangeMessageVisibility(ctx, input) {
    const store = queueFor(ctx, input, 'ChangeMessageVisibility');
    changeVisibility(store, requiredString(input, 'ReceiptHandle'), input);
    return {};
  },

  ChangeMessageVisibilityBatch(ctx, input) {
    const store = queueFor(ctx, input, 'ChangeMessageVisibility');
    const entries = checkBatchEntries(input.Entries, 'ChangeMessageVisibilityBatchRequestEntry');
    return batch(entries, (e) => {
      changeVisibility(store, requiredString(e, 'ReceiptHandle'), e);
      return {};
    });
  },

  GetQueueUrl(ctx, input) {
    const name = requiredString(input, 'QueueName');
    const account = optionalString(input, 'QueueOwnerAWSAccountId') ?? ctx.accountId;
    authorize(ctx, 'GetQueueUrl', `arn:aws:sqs:${ctx.region}:${account}:${name}`);
    if (account !== ctx.accountId || !ctx.queues.has(name)) throw queueDoesNotExist();
    return { QueueUrl: queueUrl(ctx, name) };
  },

  ListQueues(ctx, input) {
    const prefix = optionalString(input, 'QueueNamePrefix') ?? '';
    const maxResults = optionalInt(input, 'MaxResults', 1, 1000, 'Must be between 1 and 1000, if provided.');
    const nextToken = optionalString(input, 'NextToken');
    authorize(ctx, 'ListQueues', queueArn(ctx, ''));
    const names = [...ctx.queues.keys()].filter((n) => n.startsWith(prefix)).sort();
    let start = 0;
    if (nextToken !== undefined) {
      const after = Buffer.from(nextToken, 'base64').toString('utf8');
      start = names.findIndex((n) => n > after);
      if (start < 0 || !after) throw invalidParameter('NextToken', nextToken, 'Invalid NextToken value.');
    }
    const page = maxResults === undefined ? names.slice(start, start + 1000) : names.slice(start, start + maxResults);
    const more = maxResults !== undefined && start + page.length < names.length;
    if (page.length === 0) return {};
    return {
      QueueUrls: page.map((n) => queueUrl(ctx, n)),
      ...(more ? { NextToken: Buffer.from(page[page.length - 1], 'utf8').toString('base64') } : {}),
    };
  },

  GetQueueAttributes(ctx, input) {
    const store = queueFor(ctx, input, 'GetQueueAttributes');
    const names = stringList(input, 'AttributeNames');
    for (const n of names) if (n !== 'All' && !QUEUE_ATTRIBUTES.includes(n)) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${n}.`);
    const all = queueAttributes(store);
    const selected = Object.fromEntries(Object.entries(all).filter(([k]) => names.includes('All') || names.includes(k)));
    return Object.keys(selected).length ? { Attributes: selected } : {};
  },

  PurgeQueue(ctx, input) {
    const store = queueFor(ctx, input, 'PurgeQueue');
    if (!store.purge()) {
      throw new SqsError('PurgeQueueInProgress', `Only one PurgeQueue operation on ${store.queue.name} is allowed every 60 seconds.`);
    }
    return {};
  },
};
