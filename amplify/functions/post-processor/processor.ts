import type { PinpointClient } from '@aws-sdk/client-pinpoint';
import { moderate, type ModerationVerdict } from './moderation.js';
import { sendPush, type PushApp, type PushMessage, type PushTarget } from './push.js';

export interface PostRecord {
  id: string;
  title: string;
  content: string;
  owner?: string | null;
  status?: string | null;
  moderationReason?: string | null;
  [field: string]: unknown;
}

/** What the processor needs from the data API. The deployed function implements it over GraphQL. */
export interface PostStore {
  getPost(id: string): Promise<PostRecord | null>;
  setModeration(id: string, verdict: ModerationVerdict): Promise<PostRecord>;
  devicesOf(owner: string): Promise<PushTarget[]>;
}

export interface ProcessorDeps {
  store: PostStore;
  pinpoint: PinpointClient;
  push: PushApp;
  blockedTerms: readonly string[];
  log?: Pick<Console, 'info' | 'warn' | 'error'>;
}

type AttributeValue = { S?: string; N?: string; NULL?: boolean; [k: string]: unknown };

export interface StreamRecord {
  eventID?: string;
  eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  dynamodb?: { NewImage?: Record<string, AttributeValue>; SequenceNumber?: string };
}

export interface StreamEvent {
  Records: StreamRecord[];
}

export interface ProcessPostEvent {
  arguments: { postId: string };
  identity?: { sub?: string; username?: string } | null;
  info?: { fieldName?: string };
}

export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * Owner values come in two forms: the table (and so the stream) holds `<sub>::<username>`, while
 * the API's owner-field resolver returns only `<username>`. This is the username in either form.
 */
export function ownerUsername(owner: string | null | undefined): string | undefined {
  if (!owner) return undefined;
  return owner.split('::').pop();
}

/**
 * The stored `<sub>::<username>` form that the Device owner index is keyed by. From the API's
 * username-only form it is rebuilt as `<username>::<username>`: this backend signs users in with
 * their e-mail, and Cognito then makes the username the user's `sub`.
 */
export function storedOwner(owner: string): string {
  return owner.includes('::') ? owner : `${owner}::${owner}`;
}

function str(image: Record<string, AttributeValue>, key: string): string | undefined {
  return image[key]?.S;
}

export class UnauthorizedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Unauthorized';
  }
}

export function createProcessor(deps: ProcessorDeps) {
  const log = deps.log ?? console;

  /**
   * Pushes to every device of `owner`. Looking the devices up is part of the push, so a failure
   * there is logged like a failed send: a notification never fails (or retries) the post.
   */
  async function notify(owner: string, message: PushMessage): Promise<void> {
    try {
      const devices = await deps.store.devicesOf(storedOwner(owner));
      await sendPush(deps.pinpoint, deps.push, devices, message, log);
    } catch (err) {
      log.error(`push to the devices of ${ownerUsername(owner)} failed: ${(err as Error).message}`);
    }
  }

  /** `owner` is whose devices hear about it: the post's owner unless the caller knows it exactly. */
  async function applyModeration(post: PostRecord, owner = post.owner): Promise<PostRecord> {
    const verdict = moderate(post, deps.blockedTerms);
    const updated = await deps.store.setModeration(post.id, verdict);
    log.info(`post ${post.id} → ${verdict.status}${verdict.reason ? ` (${verdict.reason})` : ''}`);
    if (verdict.status === 'PUBLISHED' && owner) {
      await notify(owner, {
        title: 'Your post is live',
        body: post.title,
        data: { type: 'POST_PUBLISHED', postId: post.id },
      });
    }
    return updated;
  }

  async function onNewComment(image: Record<string, AttributeValue>): Promise<void> {
    const postId = str(image, 'postId');
    if (!postId) return;
    const post = await deps.store.getPost(postId);
    if (!post?.owner) return;
    // The post's author hears about other people's comments, never about their own.
    if (ownerUsername(post.owner) === ownerUsername(str(image, 'owner'))) return;
    await notify(post.owner, {
      title: 'New comment on your post',
      body: (str(image, 'content') ?? '').slice(0, 140),
      data: { type: 'NEW_COMMENT', postId, commentId: str(image, 'id') ?? '' },
    });
  }

  async function onStreamRecord(record: StreamRecord): Promise<void> {
    if (record.eventName !== 'INSERT') return;
    const image = record.dynamodb?.NewImage;
    if (!image) return;
    const type = str(image, '__typename');
    if (type === 'Post') {
      const id = str(image, 'id');
      if (!id) return;
      await applyModeration({
        id,
        title: str(image, 'title') ?? '',
        content: str(image, 'content') ?? '',
        owner: str(image, 'owner') ?? null,
      });
    } else if (type === 'Comment') {
      await onNewComment(image);
    }
  }

  async function processPost(event: ProcessPostEvent): Promise<PostRecord> {
    const post = await deps.store.getPost(event.arguments.postId);
    if (!post) throw new Error(`Post ${event.arguments.postId} not found`);
    const { sub, username } = event.identity ?? {};
    const owner = ownerUsername(post.owner);
    if (!sub || !owner || (owner !== username && owner !== sub)) {
      throw new UnauthorizedError('Only the owner of a post may process it');
    }
    // The caller is the owner, so their identity gives the stored owner form exactly.
    return applyModeration(post, username ? `${sub}::${username}` : post.owner);
  }

  async function handle(event: StreamEvent | ProcessPostEvent): Promise<BatchResponse | PostRecord> {
    if ('Records' in event) {
      const failures: BatchResponse['batchItemFailures'] = [];
      for (const record of event.Records) {
        try {
          await onStreamRecord(record);
        } catch (err) {
          log.error(`record ${record.eventID ?? '?'} failed: ${(err as Error).message}`);
          const id = record.dynamodb?.SequenceNumber ?? record.eventID;
          if (id) failures.push({ itemIdentifier: id });
        }
      }
      return { batchItemFailures: failures };
    }
    return processPost(event);
  }

  return { handle, processPost, onStreamRecord };
}
