/** What every S3 operation handler receives: the bucket it addresses and the verified caller. */
import type { IssuedCredentials } from '../core/registry.js';
import type { StorageAuthorizer } from './authorize.js';
import { s3Errors } from './errors.js';
import type { MultipartStore } from './multipart.js';
import type { ObjectEvent } from './notifications.js';
import type { BucketStore } from './object_store.js';

export interface Bucket {
  name: string;
  store: BucketStore;
  uploads: MultipartStore;
  /** System buckets (assets the local cloud serves to functions) are read-only. */
  readOnly: boolean;
  /** Versioned buckets answer a plain DeleteObject with a delete marker. */
  versioned: boolean;
}

export interface S3Request {
  req: Request;
  url: URL;
  bucket: Bucket;
  key: string;
  creds: IssuedCredentials;
  /** The x-amz-content-sha256 the request was signed with. */
  contentSha256: string | null;
  authz: StorageAuthorizer;
  now: () => number;
  /** Looks up another bucket (CopyObject sources). */
  bucketNamed: (name: string) => Bucket | undefined;
  /** Keys the request changed, in order: notified once the request has succeeded. */
  events: ObjectEvent[];
}

export function requireWritable(r: S3Request): void {
  if (r.bucket.readOnly) throw s3Errors.accessDenied();
}
