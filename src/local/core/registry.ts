import type { JsonWebKey } from 'node:crypto';
import type { OutboxMessage } from './outbox.js';

/**
 * Capabilities services offer each other. A service returns what it offers from `start()` (the
 * frame publishes it) and looks up what it needs in `connect()` or per request (to tolerate an
 * absent peer).
 */

/** Verified Cognito JWT claims. */
export type JwtClaims = Record<string, unknown> & {
  sub: string;
  iss: string;
  token_use: 'access' | 'id';
  exp: number;
  iat: number;
};

export class TokenRejectedError extends Error {
  override readonly name = 'TokenRejectedError';
  constructor(
    message: string,
    readonly reason: 'malformed' | 'signature' | 'expired' | 'issuer' | 'audience' | 'token_use' | 'revoked',
  ) {
    super(message);
  }
}

/** Offered by auth: verifies user-pool tokens (signature against the pool's key, expiry, client, revocation). */
export interface TokenVerifier {
  /** Throws TokenRejectedError. `tokenUse` defaults to accepting either. */
  verify(token: string, opts?: { tokenUse?: 'access' | 'id'; clientId?: string }): Promise<JwtClaims>;
  /** `iss` of tokens this pool issues (e.g. `https://127.0.0.1:20002/us-east-1_abc`). */
  issuer: string;
  userPoolId: string;
  /**
   * With several user pools, the offered verifier is the primary pool's (`issuer`, `userPoolId`)
   * and `verify` accepts a token of any of them (chosen by its `iss`); `forPool` gives the verifier
   * that accepts only one pool's tokens. Read through `poolVerifier`.
   */
  forPool?(userPoolId: string): TokenVerifier | undefined;
  /** Every local pool's verifier (the primary first). */
  pools?(): readonly TokenVerifier[];
  /**
   * The pool's public JWKS document (what `<issuer>/.well-known/jwks.json` serves), for consumers
   * that verify as a plain OIDC relying party does: signature, issuer, audience, times — no
   * Cognito-side revocation.
   */
  jwks?(): { keys: (JsonWebKey & { kid: string })[] };
}

/** The verifier of one user pool among those `auth.tokens` serves, if that pool is running. */
export function poolVerifier(tokens: TokenVerifier | undefined, userPoolId: string): TokenVerifier | undefined {
  if (!tokens) return undefined;
  if (tokens.forPool) return tokens.forPool(userPoolId);
  return tokens.userPoolId === userPoolId ? tokens : undefined;
}

/** Every pool `auth.tokens` serves. */
export function poolVerifiers(tokens: TokenVerifier | undefined): readonly TokenVerifier[] {
  if (!tokens) return [];
  return tokens.pools?.() ?? [tokens];
}

/**
 * Credentials the local cloud knows: temporary ones issued by the identity pool, to a function's
 * role or by STS AssumeRole*, and the account's long-term developer keys (`kind: 'account'`,
 * no session token).
 */
export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Empty for the account's long-term keys. */
  sessionToken: string;
  /** Epoch ms. */
  expiration: number;
  /** The role the session is of; for `kind: 'account'` the developer user's ARN. */
  roleArn: string;
  /** Cognito identity id for identity-pool credentials. */
  identityId?: string;
  identityPoolId?: string;
  /**
   * `authenticated` | `unauthenticated` for identity-pool credentials; `function` for Lambda roles;
   * `assumed-role` for STS AssumeRole / AssumeRoleWithWebIdentity sessions; `account` for the
   * developer keys.
   */
  kind: 'authenticated' | 'unauthenticated' | 'function' | 'assumed-role' | 'account';
  /** The RoleSessionName of an `assumed-role` session. */
  sessionName?: string;
  /** For `assumed-role`: the credentials that assumed it were themselves a role session (role chaining). */
  chained?: boolean;
  /** For authenticated identities: the user pool `sub` and username behind the identity. */
  userSub?: string;
  /** For authenticated identities: the user pool that signed the user in. */
  userPoolId?: string;
  username?: string;
  /** Lambda function name for `kind: 'function'`. */
  functionName?: string;
}

/** Offered by identity: looks up and mints credentials so SigV4 verifiers know who signed. */
export interface CredentialStore {
  /** Undefined if unknown. Expired credentials are returned (callers decide: ExpiredToken). */
  lookup(accessKeyId: string): IssuedCredentials | undefined;
  /** Credentials for a function's execution role. */
  issueForRole(roleArn: string, functionName: string, ttlSeconds: number): IssuedCredentials;
  /** An STS role session (AssumeRole*); absent in stores that only serve lookups. */
  issueForSession?(
    session: { roleArn: string; sessionName: string; chained?: boolean; identityId?: string; identityPoolId?: string },
    ttlSeconds: number,
  ): IssuedCredentials;
}

/** Offered by identity: verifies the identity pool's OpenID tokens (GetOpenIdToken). */
export interface OpenIdTokenVerifier {
  /** Throws TokenRejectedError (`signature`, `expired`, `malformed`, `issuer`). */
  verify(token: string): { sub: string; aud: string; amr: string[]; iss: string; exp: number; iat: number };
}

/** An item change, shaped like a DynamoDB Streams record. */
export interface ChangeRecord {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventSource: 'aws:dynamodb';
  awsRegion: string;
  eventSourceARN: string;
  tableName: string;
  dynamodb: {
    ApproximateCreationDateTime: number;
    Keys: Record<string, unknown>;
    NewImage?: Record<string, unknown>;
    OldImage?: Record<string, unknown>;
    SequenceNumber: string;
    SizeBytes: number;
    StreamViewType: string;
  };
}

/** Offered by data: the change feed of every table with streams. */
export interface ChangeFeed {
  /** Returns an unsubscribe function. Listeners get records in commit order per table. */
  subscribe(tableName: string, listener: (records: ChangeRecord[]) => void | Promise<void>): () => void;
}

export interface InvokeResult {
  /** The handler's return value (JSON-decoded). */
  payload: unknown;
  /** Set when the function failed: Lambda's `Unhandled` / `Handled`, with `errorType`/`errorMessage` in payload. */
  functionError?: 'Unhandled';
  logs?: string;
}

/** Offered by functions: invokes a function by logical id or name, with Lambda's semantics. */
export interface FunctionInvoker {
  has(functionLogicalIdOrName: string): boolean;
  invoke(functionLogicalIdOrName: string, event: unknown): Promise<InvokeResult>;
}

/** One record of an S3 event notification, exactly as S3 sends it to a Lambda function. */
export interface S3EventRecord {
  eventVersion: '2.1';
  eventSource: 'aws:s3';
  awsRegion: string;
  /** ISO 8601 with milliseconds. */
  eventTime: string;
  /** Without the `s3:` prefix: `ObjectCreated:Put`, `ObjectRemoved:Delete`... */
  eventName: string;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: { 'x-amz-request-id': string; 'x-amz-id-2': string };
  s3: {
    s3SchemaVersion: '1.0';
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
    /** `key` is URL-encoded as S3 does (spaces as `+`); size and eTag only for ObjectCreated events. */
    object: { key: string; size?: number; eTag?: string; versionId?: string; sequencer: string };
  };
}

/** An event of a bucket for one of its Lambda notification configurations. */
export interface BucketNotification {
  /** The configuration's destination. */
  functionArn: string;
  /** Its logical id when the function is one of the assembly's. */
  functionLogicalId?: string;
  event: { Records: S3EventRecord[] };
}

/** Offered by storage: the events its buckets send to Lambda destinations, after each request succeeded. */
export interface BucketNotificationFeed {
  /** Returns an unsubscribe function. Listeners must not throw or block: S3 has answered already. */
  subscribe(listener: (notification: BucketNotification) => void): () => void;
}

/**
 * Offered by keys: KMS operations in process, as an AWS service principal with a grant calls them
 * (Cognito encrypting codes for custom sender triggers): no SigV4, no IAM. Failures throw an Error
 * whose `name` is KMS's error name (`NotFoundException`, `DisabledException`, `InvalidCiphertextException`...).
 */
export interface KeyManager {
  /** `keyId`: key id, key ARN, alias name or alias ARN. */
  generateDataKey(keyId: string, numberOfBytes: number, encryptionContext: Record<string, string>): { keyArn: string; plaintext: Buffer; ciphertextBlob: Buffer };
  encrypt(keyId: string, plaintext: Uint8Array, encryptionContext: Record<string, string>): { keyArn: string; ciphertextBlob: Buffer };
  decrypt(ciphertextBlob: Uint8Array, encryptionContext: Record<string, string>, keyId?: string): { keyArn: string; plaintext: Buffer };
}

/** Offered by queues: puts messages on a local SQS queue (event source mappings' on-failure destinations). */
export interface QueueMessageSink {
  /** True when the ARN names a queue the local cloud serves. */
  has(queueArn: string): boolean;
  /** Enqueues `body` as if `senderId` had sent it with SendMessage. */
  send(queueArn: string, body: string, senderId: string): void;
}

/** Offered by the frame: records outgoing email/SMS/push. */
export type OutboxWriter = (message: Omit<OutboxMessage, 'id' | 'createdAt'>) => OutboxMessage;

export interface Capabilities {
  'auth.tokens': TokenVerifier;
  'identity.credentials': CredentialStore;
  'identity.openIdTokens': OpenIdTokenVerifier;
  'data.changes': ChangeFeed;
  'functions.invoker': FunctionInvoker;
  'storage.notifications': BucketNotificationFeed;
  'keys.kms': KeyManager;
  'queues.messages': QueueMessageSink;
}

/** The lookup side of the registry: what services see. */
export interface Peers {
  tryGet<K extends keyof Capabilities>(key: K): Capabilities[K] | undefined;
  get<K extends keyof Capabilities>(key: K): Capabilities[K];
}

export class Registry implements Peers {
  private readonly entries = new Map<keyof Capabilities, unknown>();

  provide<K extends keyof Capabilities>(key: K, impl: Capabilities[K]): void {
    if (this.entries.has(key)) throw new Error(`capability ${key} is already provided`);
    this.entries.set(key, impl);
  }

  /** Publishes everything a service offers (the return value of its `start()`). */
  publish(offers: Partial<Capabilities> | void): void {
    for (const [key, impl] of Object.entries(offers ?? {}) as [keyof Capabilities, unknown][]) {
      if (impl !== undefined) this.provide(key, impl as Capabilities[typeof key]);
    }
  }

  /** Takes a capability back (its service is being replaced by a hot reload). */
  withdraw(key: keyof Capabilities): void {
    this.entries.delete(key);
  }

  tryGet<K extends keyof Capabilities>(key: K): Capabilities[K] | undefined {
    return this.entries.get(key) as Capabilities[K] | undefined;
  }

  get<K extends keyof Capabilities>(key: K): Capabilities[K] {
    const impl = this.tryGet(key);
    if (!impl) throw new Error(`capability ${key} is not available ((local: the service offering it is not running))`);
    return impl;
  }
}
