import { createHash } from 'node:crypto';
import type { BucketNotificationModel, StorageBucketModel } from '../assembly/model.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { BucketNotification, BucketNotificationFeed, S3EventRecord } from '../core/registry.js';

/** What an operation reports once it has changed a key; the service adds who asked and how. */
export interface ObjectEvent {
  /** S3's event name without `s3:`: `ObjectCreated:Put`, `ObjectRemoved:Delete`... */
  eventName: string;
  key: string;
  size?: number;
  /** As stored (quoted); the event carries it unquoted. */
  etag?: string;
}

/** The request behind a batch of events, as S3 reports it in every record. */
export interface RequestFacts {
  requestId: string;
  id2: string;
  /** `AWS:<role id>:<session>` for assumed-role callers. */
  principalId: string;
  sourceIp: string;
}

/**
 * An object key as S3 writes it into events: form-URL-encoded (spaces as `+`, as Java's URLEncoder
 * does), with `/` left as it is.
 */
export function s3EventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/');
}

/** `s3:ObjectCreated:*` covers every `ObjectCreated:…`; other event types match exactly. */
export function eventTypeMatches(configured: string, eventName: string): boolean {
  const name = `s3:${eventName}`;
  return configured.endsWith(':*') ? name.startsWith(configured.slice(0, -1)) : configured === name;
}

export function notificationMatches(n: BucketNotificationModel, event: ObjectEvent): boolean {
  if (!n.events.some((e) => eventTypeMatches(e, event.eventName))) return false;
  if (n.prefix && !event.key.startsWith(n.prefix)) return false;
  return !(n.suffix && !event.key.endsWith(n.suffix));
}

/**
 * Turns the events of successful requests into S3 event notifications for the bucket's Lambda
 * configurations and hands them to subscribers (the functions service invokes asynchronously).
 * Delivery happens after the S3 response: a slow or failing function never delays or fails it.
 */
export class BucketNotifier implements BucketNotificationFeed {
  private readonly listeners = new Set<(n: BucketNotification) => void>();
  private lastSequence = 0n;
  private readonly ownerId: string;

  constructor(private readonly opts: { region: string; accountId: string; clock: Clock; log: Logger }) {
    this.ownerId = `A${createHash('sha256').update(`owner:${opts.accountId}`).digest('hex').slice(0, 13).toUpperCase()}`;
  }

  subscribe(listener: (n: BucketNotification) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Increasing hexadecimal, as S3's `sequencer` (events of one key are ordered by it). */
  private sequencer(): string {
    const next = BigInt(this.opts.clock.now()) << 16n;
    this.lastSequence = next > this.lastSequence ? next : this.lastSequence + 1n;
    return this.lastSequence.toString(16).toUpperCase().padStart(18, '0');
  }

  publish(bucket: StorageBucketModel, events: ObjectEvent[], facts: RequestFacts): void {
    const configs = bucket.notifications ?? [];
    if (configs.length === 0 || events.length === 0) return;
    const eventTime = new Date(this.opts.clock.now()).toISOString();
    const out: BucketNotification[] = [];
    for (const event of events) {
      const sequencer = this.sequencer();
      for (const config of configs) {
        if (!notificationMatches(config, event)) continue;
        out.push({
          functionArn: config.functionArn,
          functionLogicalId: config.functionLogicalId,
          event: { Records: [this.record(bucket, config, event, facts, eventTime, sequencer)] },
        });
      }
    }
    if (out.length === 0 || this.listeners.size === 0) return;
    setImmediate(() => {
      for (const notification of out) {
        for (const listener of this.listeners) {
          try {
            listener(notification);
          } catch (err) {
            this.opts.log.error(`notification of ${bucket.bucketName} to ${notification.functionArn} failed: ${(err as Error).message}`);
          }
        }
      }
    });
  }

  private record(
    bucket: StorageBucketModel,
    config: BucketNotificationModel,
    event: ObjectEvent,
    facts: RequestFacts,
    eventTime: string,
    sequencer: string,
  ): S3EventRecord {
    return {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: this.opts.region,
      eventTime,
      eventName: event.eventName,
      userIdentity: { principalId: facts.principalId },
      requestParameters: { sourceIPAddress: facts.sourceIp },
      responseElements: { 'x-amz-request-id': facts.requestId, 'x-amz-id-2': facts.id2 },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: config.id,
        bucket: { name: bucket.bucketName, ownerIdentity: { principalId: this.ownerId }, arn: bucket.arn },
        object: {
          key: s3EventKey(event.key),
          ...(event.size === undefined ? {} : { size: event.size }),
          ...(event.etag === undefined ? {} : { eTag: event.etag.replace(/^"|"$/g, '') }),
          sequencer,
        },
      },
    };
  }
}
