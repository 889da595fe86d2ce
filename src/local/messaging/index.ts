import path from 'node:path';
import type { LocalService, ServiceContext } from '../core/service.js';
import { handleKinesis, KINESIS_TARGET_PREFIX } from './kinesis.js';
import { effectiveChannels, handleSendMessages, PINPOINT_PATH_PREFIX } from './pinpoint.js';
import { StreamStore, type StoredRecord } from './stream_store.js';

/** A record of a local Kinesis stream, as the admin API and console show it. */
export interface StreamRecordView {
  sequenceNumber: string;
  shardId: string;
  partitionKey: string;
  explicitHashKey?: string;
  /** Base64, as put. */
  data: string;
  /** The data as UTF-8 text (analytics events are JSON). */
  text: string;
  arrivedAt: string;
  callerRoleArn?: string;
}

export interface MessagingService extends LocalService {
  /** Records put into a stream of the model (by name or ARN), oldest first; undefined for other names. */
  records(stream: string): StreamRecordView[] | undefined;
  /** The model's streams. */
  streams(): string[];
}

function view(r: StoredRecord): StreamRecordView {
  return {
    sequenceNumber: r.sequenceNumber,
    shardId: r.shardId,
    partitionKey: r.partitionKey,
    ...(r.explicitHashKey ? { explicitHashKey: r.explicitHashKey } : {}),
    data: r.data,
    text: Buffer.from(r.data, 'base64').toString('utf8'),
    arrivedAt: new Date(r.arrivedAt).toISOString(),
    ...(r.callerRoleArn ? { callerRoleArn: r.callerRoleArn } : {}),
  };
}

/**
 * Pinpoint `SendMessages` (push, SMS and email to direct addresses, recorded in the outbox) and
 * Kinesis `PutRecord`/`PutRecords` for the model's streams, both SigV4-verified and authorized by
 * the IAM statements of the caller's role.
 */
export function createMessagingService(ctx: ServiceContext): MessagingService {
  const model = ctx.model;
  const streams = new Map<string, StreamStore>();
  const credentials = () => ctx.registry.tryGet('identity.credentials');

  function streamFor(nameOrArn: string): StreamStore | undefined {
    const known = model.messaging.kinesisStreams.find((s) => s.name === nameOrArn || s.arn === nameOrArn);
    return known ? streams.get(known.name) : undefined;
  }

  return {
    name: 'messaging',
    matches(req, url) {
      return url.pathname.startsWith(PINPOINT_PATH_PREFIX) || (req.headers.get('x-amz-target') ?? '').startsWith(KINESIS_TARGET_PREFIX);
    },
    async fetch(req) {
      const url = new URL(req.url);
      try {
        if ((req.headers.get('x-amz-target') ?? '').startsWith(KINESIS_TARGET_PREFIX)) {
          return await handleKinesis(req, { model, clock: ctx.clock, credentials, stream: (name) => streams.get(name) });
        }
        return await handleSendMessages(req, url, { model, clock: ctx.clock, ids: ctx.ids, outbox: ctx.outbox, credentials });
      } finally {
        if (req.body && !req.bodyUsed) await req.body.cancel().catch(() => {});
      }
    },
    async start() {
      for (const s of model.messaging.kinesisStreams) {
        const store = new StreamStore(path.join(ctx.dataDir, 'streams'), s.name, () => ctx.clock.now());
        store.load();
        streams.set(s.name, store);
      }
    },
    async reset() {
      for (const s of streams.values()) s.clear();
    },
    async stop() {
      for (const s of streams.values()) s.flush();
    },
    describe() {
      const lines: string[] = [];
      for (const app of model.messaging.pinpointApps) {
        const { channels, emulated } = effectiveChannels(app);
        lines.push(
          emulated
            ? `messaging: Pinpoint app ${app.name} (${app.id}) enables no channel in the template; ${channels.join(' and ')} are emulated ((local: real AWS would refuse these sends until a channel is configured)), pushes land in the outbox`
            : `messaging: Pinpoint app ${app.name} (${app.id}) channels ${channels.join(', ')} → outbox`,
        );
      }
      for (const s of model.messaging.kinesisStreams) lines.push(`messaging: Kinesis stream ${s.name} (PutRecord, PutRecords)`);
      return lines;
    },
    records(stream) {
      return streamFor(stream)?.list().map(view);
    },
    views: {
      /** `GET /_local/messaging/kinesis-records?stream=<name>` (the only stream when omitted). */
      'kinesis-records': (q) => {
        const name = q.get('stream') ?? (model.messaging.kinesisStreams.length === 1 ? model.messaging.kinesisStreams[0].name : undefined);
        const records = name ? streamFor(name)?.list().map(view) : undefined;
        return records && { stream: name, records };
      },
    },
    streams() {
      return model.messaging.kinesisStreams.map((s) => s.name);
    },
  };
}
