import { createHash } from 'node:crypto';
import type { BackendModel } from '../assembly/model.js';
import type { IssuedCredentials } from './registry.js';

/**
 * The local account's developer credentials: long-term access keys of an administrator user, as a
 * developer has for an AWS account. Fixed, documented defaults (the local cloud listens on loopback
 * only), overridable with `--access-key-id` / `--secret-access-key`. Requests signed with them are
 * the user `arn:aws:iam::<account>:user/local-developer`, allowed every action.
 */

export interface AccountKeys {
  accessKeyId: string;
  secretAccessKey: string;
}

export const DEFAULT_ACCOUNT_KEYS: AccountKeys = {
  accessKeyId: 'AKIALOCALDEVELOPER01',
  secretAccessKey: 'localDeveloperSecretAccessKey/0000000000',
};

export const DEVELOPER_USER_NAME = 'local-developer';

/** Long-term keys never expire; the wire carries no expiration for them. */
const NEVER = Number.MAX_SAFE_INTEGER;

/** Throws RangeError with a message naming what is wrong (options are checked at start). */
export function checkAccountKeys(keys: AccountKeys): void {
  if (!/^[A-Z0-9]{16,128}$/.test(keys.accessKeyId)) {
    throw new RangeError(`access key id must be 16 to 128 upper-case letters and digits (like AKIA…); got ${JSON.stringify(keys.accessKeyId)}`);
  }
  if (keys.secretAccessKey.length < 8 || /\s/.test(keys.secretAccessKey)) {
    throw new RangeError('secret access key must be at least 8 characters without spaces');
  }
}

export function developerUserArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:user/${DEVELOPER_USER_NAME}`;
}

/** A stable IAM user id (`AIDA…`), what GetCallerIdentity returns as `UserId` for a user. */
export function developerUserId(accountId: string): string {
  return `AIDA${createHash('sha256').update(developerUserArn(accountId)).digest('hex').slice(0, 17).toUpperCase()}`;
}

/** The keys as the credential lookup returns them: kind `account`, no session token. */
export function accountCredentials(model: Pick<BackendModel, 'accountId'>, keys: AccountKeys = DEFAULT_ACCOUNT_KEYS): IssuedCredentials {
  return {
    accessKeyId: keys.accessKeyId,
    secretAccessKey: keys.secretAccessKey,
    sessionToken: '',
    expiration: NEVER,
    roleArn: developerUserArn(model.accountId),
    kind: 'account',
  };
}
