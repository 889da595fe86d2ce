import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { BackendModel, BucketNotificationModel, StorageBucketModel } from '../assembly/model.js';
import { differingParts } from '../reload/model_diff.js';
import type { LocalService, ServiceContext } from '../core/service.js';
import { verifyCaller } from '../core/caller.js';
import { iamRequestContext } from '../core/iam_authorize.js';
import { getRequestInfo, requestPath } from '../core/request_info.js';
import { decodeUriComponentSafe } from '../core/uri.js';
import { StorageAuthorizer } from './authorize.js';
import { S3Error, errorResponse, requestId, s3Errors } from './errors.js';
import { MultipartStore } from './multipart.js';
import { BucketStore } from './object_store.js';
import { listObjectsV2 } from './list_objects.js';
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, listParts, uploadPart } from './multipart_ops.js';
import { BucketNotifier } from './notifications.js';
import { copyObject, deleteObject, deleteObjects, getObject, putObject } from './object_ops.js';
import type { Bucket, S3Request } from './s3_request.js';
import { storageSnapshot } from './snapshot.js';

function describeNotification(n: BucketNotificationModel, model: BackendModel): string {
  const fn = model.functions.find((f) => f.logicalId === n.functionLogicalId);
  const filter = [n.prefix && `prefix ${n.prefix}`, n.suffix && `suffix ${n.suffix}`].filter(Boolean).join(', ');
  return `${n.events.join(', ')}${filter ? ` (${filter})` : ''} → ${fn?.friendlyName ?? fn?.functionName ?? n.functionArn}${fn ? '' : ' ((local: not a function of this backend; not invoked))'}`;
}

interface SystemObject {
  bucket: string;
  key: string;
  contentType: string;
  body: () => Buffer;
}

/**
 * S3-compatible storage for the model's buckets, path-style on the shared port. Every request is
 * SigV4-verified against credentials the local identity pool (or the functions service) issued, and
 * authorized by the IAM statements the assembly attaches to the caller's role.
 */
export function createStorageService(ctx: ServiceContext): LocalService {
  const model = ctx.model;
  const buckets = new Map<string, Bucket>();
  const authz = new StorageAuthorizer(model);

  type Introspection = (typeof model.data & { modelIntrospectionLocation?: { bucket: string; key: string } }) | undefined;
  const introspectionObjects = (introspection: Introspection): SystemObject[] => {
    if (!introspection?.modelIntrospectionLocation || introspection.modelIntrospection === undefined) return [];
    const { bucket, key } = introspection.modelIntrospectionLocation;
    return [{ bucket, key, contentType: 'application/json', body: () => Buffer.from(JSON.stringify(introspection.modelIntrospection)) }];
  };
  // Replaced by a hot reload that changes only the GraphQL schema (then re-seeded).
  let systemObjects: SystemObject[] = introspectionObjects(model.data as Introspection);

  const notifier = new BucketNotifier({ region: model.region, accountId: model.accountId, clock: ctx.clock, log: ctx.log });
  const bucketModels = new Map((model.storage?.buckets ?? []).map((b) => [b.bucketName, b]));

  function addBucket(name: string, readOnly: boolean): Bucket {
    const dir = path.join(ctx.dataDir, 'buckets', name);
    const versioned = bucketModels.get(name)?.versioned ?? false;
    const b: Bucket = { name, store: new BucketStore(name, dir), uploads: new MultipartStore(dir), readOnly, versioned };
    buckets.set(name, b);
    return b;
  }
  for (const b of model.storage?.buckets ?? []) addBucket(b.bucketName, false);
  for (const o of systemObjects) if (!buckets.has(o.bucket)) addBucket(o.bucket, true);

  async function seedSystemObjects(): Promise<void> {
    for (const o of systemObjects) {
      await buckets.get(o.bucket)!.store.putBuffer(
        { key: o.key, contentType: o.contentType, lastModified: new Date(ctx.clock.now()).toISOString(), userMetadata: {}, headers: {}, checksums: {} },
        o.body(),
      );
    }
  }

  /** Bucket and key from the path as sent: a key keeps its `.` and `..` segments, as in S3. */
  function splitPath(pathname: string): { bucket: string; key: string } {
    const raw = pathname.slice(1);
    const slash = raw.indexOf('/');
    const bucket = decodeUriComponentSafe(slash < 0 ? raw : raw.slice(0, slash));
    const key = slash < 0 ? '' : decodeUriComponentSafe(raw.slice(slash + 1));
    if (bucket === undefined || key === undefined) throw s3Errors.invalidUri();
    return { bucket, key };
  }

  async function authenticate(req: Request) {
    const verified = await verifyCaller(req, {
      service: 's3',
      model,
      clock: ctx.clock,
      credentials: ctx.registry.tryGet('identity.credentials'),
      body: 'streamed',
      allowUnsignedPayload: true,
    });
    if (verified.ok) return verified.caller.credentials;
    const rejection = verified.rejection;
    if (rejection.reason === 'signature') throw new S3Error(rejection.error.s3.status, rejection.error.s3.code, rejection.error.message);
    if (rejection.reason === 'no-credential-store') {
      throw s3Errors.accessDenied('Access Denied ((local: the identity service is not running, so no credentials can be verified))');
    }
    throw new Error(`S3: unexpected ${rejection.reason} for a streamed body`);
  }

  /** S3's event notifications for what a successful request changed. */
  function notify(r: S3Request, requestId: string, id2: string): void {
    const bucket = bucketModels.get(r.bucket.name);
    if (!bucket || r.events.length === 0) return;
    const address = getRequestInfo(r.req)?.remoteAddress ?? '127.0.0.1';
    notifier.publish(bucket, r.events, {
      requestId,
      id2,
      principalId: `AWS:${iamRequestContext(r.creds)['aws:userid']}`,
      sourceIp: address.startsWith('::ffff:') ? address.slice(7) : address,
    });
  }

  /** The verified caller and what every operation needs. */
  async function context(req: Request, url: URL, bucket: Bucket, key: string): Promise<S3Request> {
    const creds = await authenticate(req);
    return {
      req,
      url,
      bucket,
      key,
      creds,
      contentSha256: req.headers.get('x-amz-content-sha256'),
      authz,
      now: () => ctx.clock.now(),
      bucketNamed: (n) => buckets.get(n),
      events: [],
    };
  }

  async function dispatch(r: S3Request): Promise<Response> {
    const { req, url, bucket, key, creds } = r;
    const q = url.searchParams;
    const method = req.method;
    if (!key) {
      if (method === 'GET' && q.get('list-type') === '2') return listObjectsV2(r);
      if (method === 'POST' && q.has('delete')) return deleteObjects(r);
      if (method === 'HEAD') {
        authz.require(creds, 's3:ListBucket', authz.bucketArn(bucket.name));
        return new Response(null, { status: 200, headers: { 'x-amz-bucket-region': model.region } });
      }
      if (method === 'GET' && q.has('location')) {
        authz.require(creds, 's3:GetBucketLocation', authz.bucketArn(bucket.name));
        return new Response(
          `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${model.region}</LocationConstraint>`,
          { headers: { 'content-type': 'application/xml' } },
        );
      }
      if (method === 'GET') throw s3Errors.notImplemented('bucket operation other than ListObjectsV2 (list-type=2)');
      throw s3Errors.methodNotAllowed(method);
    }
    const uploadId = q.get('uploadId');
    switch (method) {
      case 'GET':
        return uploadId !== null ? listParts(r, uploadId) : getObject(r, false);
      case 'HEAD':
        return getObject(r, true);
      case 'PUT':
        if (uploadId !== null) {
          if (req.headers.has('x-amz-copy-source')) throw s3Errors.notImplemented('UploadPartCopy');
          return uploadPart(r, uploadId, q.get('partNumber') ?? '');
        }
        if (req.headers.has('x-amz-copy-source')) return copyObject(r);
        return putObject(r);
      case 'POST':
        if (q.has('uploads')) return createMultipartUpload(r);
        if (uploadId !== null) return completeMultipartUpload(r, uploadId);
        throw s3Errors.methodNotAllowed(method);
      case 'DELETE':
        return uploadId !== null ? abortMultipartUpload(r, uploadId) : deleteObject(r);
      default:
        throw s3Errors.methodNotAllowed(method);
    }
  }

  return {
    name: 'storage',
    snapshot: storageSnapshot(model.storage?.buckets ?? [], buckets),
    matches(req, url) {
      const first = requestPath(req, url).split('/')[1] ?? '';
      return first.includes('.') && buckets.has(decodeUriComponentSafe(first) ?? first);
    },
    async fetch(req) {
      const url = new URL(req.url);
      const pathname = requestPath(req, url);
      const id = requestId();
      try {
        const { bucket: name, key } = splitPath(pathname);
        const bucket = buckets.get(name);
        if (!bucket) throw s3Errors.noSuchBucket(name);
        const r = await context(req, url, bucket, key);
        const res = await dispatch(r);
        const id2 = randomBytes(32).toString('base64');
        res.headers.set('x-amz-request-id', id);
        res.headers.set('x-amz-id-2', id2);
        if (res.status < 300) notify(r, id, id2);
        return res;
      } catch (err) {
        if (err instanceof S3Error) return errorResponse(err, pathname, req.method, id);
        ctx.log.error(`S3 ${req.method} ${pathname} failed: ${(err as Error).stack ?? err}`);
        return errorResponse(new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.'), pathname, req.method, id);
      } finally {
        // An unread body (rejected before streaming) must be drained or cancelled, not left hanging.
        if (req.body && !req.bodyUsed) await req.body.cancel().catch(() => {});
      }
    },
    async start() {
      for (const b of buckets.values()) await b.store.open();
      await seedSystemObjects();
      return { 'storage.notifications': notifier };
    },
    async reset() {
      for (const b of buckets.values()) {
        await b.uploads.clear();
        await b.store.clear();
      }
      await seedSystemObjects();
    },
    async stop() {},
    /** In place only when nothing but the model introspection changed; anything else replaces the service. */
    async reload(next) {
      const parts = differingParts(model, next);
      const own = (['storage', 'functions', 'auth', 'iam', 'stackName', 'region', 'accountId'] as const).some((p) => parts.has(p));
      const nextObjects = introspectionObjects(next.data as Introspection);
      const bucketsOf = (objects: SystemObject[]) => objects.map((o) => o.bucket).join(',');
      if (own || bucketsOf(systemObjects) !== bucketsOf(nextObjects)) return undefined;
      systemObjects = nextObjects;
      await seedSystemObjects();
      return [];
    },
    describe() {
      const list = model.storage?.buckets ?? [];
      return list.flatMap((b: StorageBucketModel) => [
        `storage: bucket ${b.friendlyName} → ${ctx.endpoint}/${b.bucketName}${b.isDefault ? ' (default)' : ''}`,
        ...(b.notifications ?? []).map((n) => `storage: ${b.friendlyName} ${describeNotification(n, model)}`),
      ]);
    },
  };
}
