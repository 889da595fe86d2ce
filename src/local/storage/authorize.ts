import type { BackendModel } from '../assembly/model.js';
import type { IssuedCredentials } from '../core/registry.js';
import { evaluatePolicy } from '../core/iam_policy.js';
import { s3Errors } from './errors.js';

/**
 * Storage rules reach S3 as IAM policies on the identity pool's roles (and on function roles):
 * `defineStorage` compiles `allow.entity('identity')` into resources naming
 * `${cognito-identity.amazonaws.com:sub}`, `allow.authenticated` into the authenticated role's
 * policy, and so on. Evaluating those statements is therefore exactly "following the rules".
 */
export class StorageAuthorizer {
  private readonly statementsByRole: Map<string, BackendModel['iam']['roles'][number]['statements']>;

  constructor(private readonly model: BackendModel) {
    this.statementsByRole = new Map(model.iam.roles.map((r) => [r.arn, r.statements]));
  }

  private context(creds: IssuedCredentials, extra: Record<string, string>): Record<string, string | undefined> {
    return {
      'cognito-identity.amazonaws.com:sub': creds.identityId,
      'cognito-identity.amazonaws.com:aud': creds.identityPoolId,
      'aws:PrincipalArn': creds.roleArn,
      'aws:SecureTransport': 'true',
      ...extra,
    };
  }

  /** Throws AccessDenied unless the caller's role allows `action` on `resource`. */
  require(creds: IssuedCredentials, action: string, resource: string, extra: Record<string, string> = {}): void {
    const statements = this.statementsByRole.get(creds.roleArn) ?? [];
    const decision = evaluatePolicy(statements, { action, resource, context: this.context(creds, extra) });
    if (decision !== 'allow') throw s3Errors.accessDenied();
  }

  objectArn(bucket: string, key: string): string {
    return `arn:aws:s3:::${bucket}/${key}`;
  }

  bucketArn(bucket: string): string {
    return `arn:aws:s3:::${bucket}`;
  }
}
