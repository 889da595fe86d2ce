import type { QueueModel } from '../assembly/model.js';
import { newRequestId } from '../core/aws_errors.js';
import { verifyCaller } from '../core/caller.js';
import { roleId, sessionName } from '../core/iam_authorize.js';
import type { QueueMessageSink } from '../core/registry.js';
import type { LocalService, ServiceContext } from '../core/service.js';
import type { SigV4ErrorCode } from '../core/sigv4_errors.js';
import { ACTIONS, queueUrl, type ActionContext } from './actions.js';
import { systemAttributesOf } from './attributes.js';
import { jsonErrorResponse, SqsError, xmlErrorResponse, type SqsErrorName } from './errors.js';
import { QueueMapping } from './event_source.js';
import { JSON_TARGET_PREFIX, jsonResponse, parseJsonInput, parseQueryInput, xmlResponse, type Protocol } from './protocol.js';
import { QueueStore } from './queue_store.js';

/** Ten messages of the largest size, plus attributes and the protocol's overhead. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** How SQS names each signature failure. */
const SIGNATURE_ERRORS: Record<SigV4ErrorCode, SqsErrorName> = {
  InvalidAccessKeyId: 'InvalidClientTokenId',
  InvalidToken: 'InvalidClientTokenId',
  SignatureDoesNotMatch: 'SignatureDoesNotMatch',
  RequestTimeTooSkewed: 'SignatureDoesNotMatch',
  XAmzContentSHA256Mismatch: 'SignatureDoesNotMatch',
  HeadersNotSigned: 'SignatureDoesNotMatch',
  ExpiredToken: 'ExpiredToken',
  MissingAuthenticationToken: 'MissingAuthenticationToken',
  IncompleteSignature: 'IncompleteSignature',
  AuthorizationQueryParametersError: 'IncompleteSignature',
  AccessDeniedExpired: 'AccessDenied',
};

/** A message of a local queue, as the admin API shows it. */
export interface QueueMessageView {
  messageId: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes?: Record<string, unknown>;
  visible: boolean;
}

export interface QueuesService extends LocalService {
  /** The model's queues. */
  queues(): QueueModel[];
  /** Messages of a queue (by name, ARN or URL), oldest first; undefined for other queues. */
  messages(queue: string): QueueMessageView[] | undefined;
  /** Resolves when every queue mapping has no batch in flight and nothing waiting. */
  mappingsIdle(): Promise<void>;
}

/** True for a Query-protocol request signed for SQS (the body, not yet read, holds `Action=`). */
function isSqsQuery(req: Request): boolean {
  if (req.method !== 'POST' && req.method !== 'GET') return false;
  const type = req.headers.get('content-type') ?? '';
  if (req.method === 'POST' && !type.startsWith('application/x-www-form-urlencoded')) return false;
  const auth = req.headers.get('authorization') ?? new URL(req.url).searchParams.get('X-Amz-Credential') ?? '';
  return /\/sqs\/aws4_request/.test(auth);
}

/**
 * SQS for the model's queues: the JSON 1.0 and Query protocols, SigV4-verified and authorized by
 * the caller's role policies; messages persist in `<data-dir>/queues/<queue>.json`. Runs the
 * Lambda event source mappings that read a local queue, invoking functions through
 * `functions.invoker`, and offers `queues.messages` (on-failure destinations put messages here).
 */
export function createQueuesService(ctx: ServiceContext): QueuesService {
  return createQueuesServiceWith({})(ctx);
}

export interface QueuesServiceOptions {
  /** How often idle mapping pollers look for messages whose delay or visibility timeout ran out (default 200 ms). */
  pollIntervalMs?: number;
}

export function createQueuesServiceWith(opts: QueuesServiceOptions): (ctx: ServiceContext) => QueuesService {
  return (ctx) => queuesService(ctx, opts);
}

function queuesService(ctx: ServiceContext, opts: QueuesServiceOptions): QueuesService {
  const model = ctx.model;
  const queues = model.queues ?? [];
  const stores = new Map<string, QueueStore>();
  const byArn = new Map<string, QueueStore>();
  const mappings: QueueMapping[] = [];
  const notes: string[] = [];
  let stopping = false;
  const pending = new Set<() => void>();

  for (const q of queues) {
    const store = new QueueStore(ctx.dataDir, q, ctx.clock, ctx.ids, () => (q.redrivePolicy ? byArn.get(q.redrivePolicy.deadLetterTargetArn) : undefined));
    stores.set(q.name, store);
    byArn.set(q.arn, store);
  }

  function find(key: string): QueueStore | undefined {
    return stores.get(key) ?? byArn.get(key) ?? stores.get(key.split('/').pop() ?? '');
  }

  /** Long polling: wakes on a send to the queue, when a hidden message's time comes, or at `ms`. */
  function waitForMessages(store: QueueStore, ms: number): Promise<void> {
    if (stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const next = store.nextVisibleAt();
      const untilVisible = next === undefined ? ms : Math.max(10, next - ctx.clock.now());
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        pending.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(ms, untilVisible, 1000));
      const unsubscribe = store.onAvailable(done);
      pending.add(done);
    });
  }

  async function handle(req: Request, protocol: Protocol, requestId: string): Promise<Response> {
    const verified = await verifyCaller(req, {
      service: 'sqs',
      model,
      clock: ctx.clock,
      credentials: ctx.registry.tryGet('identity.credentials'),
      body: { maxBytes: MAX_BODY_BYTES },
    });
    if (!verified.ok) {
      const r = verified.rejection;
      switch (r.reason) {
        case 'body-too-large':
          throw new SqsError('RequestEntityTooLarge', `Request body larger than ${r.limitBytes} bytes ((local: send fewer or smaller messages))`);
        case 'body-unreadable':
          throw r.error;
        case 'no-credential-store':
          throw new SqsError('InvalidClientTokenId', 'The security token included in the request is invalid. ((local: the identity service is not running))');
        case 'signature':
          throw new SqsError(SIGNATURE_ERRORS[r.error.code], r.error.message);
      }
    }
    const { caller } = verified;
    let action: string;
    let input: Record<string, unknown>;
    if (protocol === 'json') {
      action = (req.headers.get('x-amz-target') ?? '').slice(JSON_TARGET_PREFIX.length);
      input = parseJsonInput(caller.body);
    } else {
      const params = req.method === 'GET' ? new URL(req.url).searchParams : new URLSearchParams(caller.body.toString('utf8'));
      ({ action, input } = parseQueryInput(params));
      // A Query request may be sent to the queue's URL instead of naming it.
      const pathName = new URL(req.url).pathname;
      if (input.QueueUrl === undefined && pathName.split('/').filter(Boolean).length === 2) input.QueueUrl = `${ctx.endpoint}${pathName}`;
    }
    const run = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
    if (!run) {
      throw new SqsError('InvalidAction', `The action ${action || '(none)'} is not valid for this endpoint. ((local: the local queues implement ${Object.keys(ACTIONS).join(', ')}))`);
    }
    const actionCtx: ActionContext = {
      region: model.region,
      accountId: model.accountId,
      endpoint: ctx.endpoint,
      queues: stores,
      authorize: (a, resource) => caller.authorize(a, resource),
      senderId: `${roleId(caller.credentials.roleArn)}:${sessionName(caller.credentials)}`,
      waitForMessages,
      stopping: () => stopping,
    };
    const output = await run(actionCtx, input);
    return protocol === 'json' ? jsonResponse(output, requestId) : xmlResponse(action, output, requestId);
  }

  function startMappings(): void {
    for (const mapping of model.eventSourceMappings) {
      if (!mapping.queueName) continue;
      const store = byArn.get(mapping.eventSourceArn);
      const fn = model.functions.find((f) => f.logicalId === mapping.functionLogicalId);
      const fnName = fn?.friendlyName ?? fn?.functionName ?? mapping.functionLogicalId;
      if (!store) {
        notes.push(`queues: mapping ${mapping.logicalId} reads ${mapping.eventSourceArn}, which is not a queue of this backend; not run`);
        continue;
      }
      if (!mapping.enabled) {
        notes.push(`queues: mapping ${store.queue.name} → ${fnName} is disabled`);
        continue;
      }
      const invoker = ctx.registry.tryGet('functions.invoker');
      if (!invoker?.has(mapping.functionLogicalId)) {
        notes.push(`queues: ${store.queue.name} → ${fnName} not run ((local: the functions service does not run that function))`);
        continue;
      }
      if (fn && store.queue.visibilityTimeoutSeconds < fn.timeoutSeconds) {
        notes.push(
          `queues: ${store.queue.name} has a visibility timeout (${store.queue.visibilityTimeoutSeconds} s) below ${fnName}'s timeout (${fn.timeoutSeconds} s); Lambda refuses such a mapping ((local: run anyway))`,
        );
      }
      const qm = new QueueMapping({
        mapping,
        store,
        region: model.region,
        log: ctx.log.child(`${store.queue.name}→${fnName}`),
        pollIntervalMs: opts.pollIntervalMs,
        invoke: (event) => invoker.invoke(mapping.functionLogicalId, event),
      });
      qm.start();
      mappings.push(qm);
    }
  }

  function view(m: ReturnType<QueueStore['list']>[number]): QueueMessageView {
    return {
      messageId: m.messageId,
      body: m.body,
      attributes: systemAttributesOf(m),
      ...(m.attributes ? { messageAttributes: m.attributes } : {}),
      visible: m.visibleAt <= ctx.clock.now(),
    };
  }

  return {
    name: 'queues',
    matches(req) {
      // Also without queues: SQS calls then get SQS's own answers (no queue, an empty list).
      return (req.headers.get('x-amz-target') ?? '').startsWith(JSON_TARGET_PREFIX) || isSqsQuery(req);
    },
    async fetch(req) {
      const protocol: Protocol = (req.headers.get('x-amz-target') ?? '').startsWith(JSON_TARGET_PREFIX) ? 'json' : 'query';
      const requestId = newRequestId();
      try {
        return await handle(req, protocol, requestId);
      } catch (err) {
        if (err instanceof SqsError) return protocol === 'json' ? jsonErrorResponse(err, requestId) : xmlErrorResponse(err, requestId);
        throw err;
      } finally {
        if (req.body && !req.bodyUsed) await req.body.cancel().catch(() => {});
      }
    },
    async start() {
      stopping = false;
      for (const s of stores.values()) s.load();
      const sink: QueueMessageSink = {
        has: (arn) => byArn.has(arn),
        send(arn, body, senderId) {
          const store = byArn.get(arn);
          if (!store) throw new Error(`${arn} is not a local queue`);
          // FIFO destinations need a group and a deduplication id; Lambda gives each message its own.
          const fifo = store.queue.fifo ? { groupId: 'lambda', deduplicationId: ctx.ids.uuid() } : {};
          store.send({ body, senderId, ...fifo });
        },
      };
      return { 'queues.messages': sink };
    },
    connect() {
      startMappings();
    },
    async reset() {
      for (const s of stores.values()) s.clear();
    },
    async stop() {
      stopping = true;
      for (const done of [...pending]) done();
      await Promise.all(mappings.map((m) => m.stop()));
      for (const s of stores.values()) s.flush();
    },
    describe() {
      const lines = queues.map((q) => `queues: ${q.name}${q.fifo ? ' (FIFO)' : ''} → ${queueUrl({ endpoint: ctx.endpoint, accountId: model.accountId }, q.name)}`);
      for (const m of mappings) {
        const fn = model.functions.find((f) => f.logicalId === m.mapping.functionLogicalId);
        lines.push(`queues: ${m.mapping.queueName} → ${fn?.friendlyName ?? fn?.functionName} (batch ${m.mapping.batchSize}, window ${m.mapping.maxBatchingWindowSeconds} s${m.mapping.reportBatchItemFailures ? ', partial batch failures' : ''})`);
      }
      return [...lines, ...notes];
    },
    views: {
      /** `GET /_local/queues/messages?queue=<name|arn|url>`: every message, oldest first. */
      messages: (q) => {
        const key = q.get('queue');
        const store = key ? find(key) : stores.size === 1 ? [...stores.values()][0] : undefined;
        return store && { queue: store.queue.name, messages: store.list().map(view) };
      },
    },
    queues: () => queues,
    messages(queue) {
      return find(queue)?.list().map(view);
    },
    async mappingsIdle() {
      await Promise.all(mappings.map((m) => m.idle()));
    },
  };
}
