import type { BackendModel } from '../assembly/model.js';
import type { IssuedCredentials } from '../core/registry.js';
import { authorizeCaller } from '../core/iam_authorize.js';
import { s3Errors } from './errors.js';

/**
 * Storage rules reach S3 as IAM policies on the identity pool's roles (and on function roles):
 * `defineStorage` compiles `allow.entity('identity')` into resources naming
 * `${cognito-identity.amazonaws.com:sub}`, `allow.authenticated` into the authenticated role's
 * policy, and so on. Evaluating those statements is therefore exactly "following the rules".
 */
export class StorageAuthorizer {
  constructor(private readonly model: BackendModel) {}

  /** Throws AccessDenied unless the caller's role allows `action` on `resource`. */
  require(creds: IssuedCredentials, action: string, resource: string, extra: Record<string, string> = {}): void {
    if (!authorizeCaller(this.model, creds, action, resource, extra).allowed) throw s3Errors.accessDenied();
  }

  objectArn(bucket: string, key: string): string {
    return `arn:aws:s3:::${bucket}/${key}`;
  }

  bucketArn(bucket: string): string {
    return `arn:aws:s3:::${bucket}`;
  }
}
