import type { BackendModel } from '../assembly/model.js';
import { BodyTooLargeError, readBody } from './aws_errors.js';
import type { Clock } from './clock.js';
import { assumedRoleArn, authorizeCaller, type AuthorizeResult } from './iam_authorize.js';
import type { CredentialStore, IssuedCredentials } from './registry.js';
import type { SigV4Error } from './sigv4_errors.js';
import { verifySigV4, type VerifiedSigV4, type VerifySigV4 } from './sigv4_verify.js';

/**
 * The one way a signed request becomes a caller: read the body, verify the SigV4 signature against
 * the credentials the local cloud issued, and hand back who called with a way to authorize what
 * they ask for. Refusals come back as data, not responses, because each service answers them in
 * its own wire format (S3 XML, AWS JSON, Lambda's REST JSON, AppSync's GraphQL errors).
 */

export interface VerifyCallerOptions {
  /** Signing name: `s3`, `appsync`, `kinesis`, `mobiletargeting`, `lambda`, `dynamodb`, `cognito-idp`. */
  service: string;
  model: Pick<BackendModel, 'region' | 'accountId' | 'iam'>;
  clock: Clock;
  /** The identity service's store; undefined while it is not running. */
  credentials: CredentialStore | undefined;
  /**
   * `maxBytes`: read the body up to this size. `given`: the caller already read it.
   * `streamed`: leave it unread (S3 checks the streamed body against `x-amz-content-sha256`).
   */
  body: { maxBytes: number } | { given: Uint8Array | string } | 'streamed';
  /** Accept `UNSIGNED-PAYLOAD` and the `STREAMING-*` payload markers (S3). */
  allowUnsignedPayload?: boolean;
  /** Replaces `verifySigV4` where tests stub it. */
  verify?: VerifySigV4;
}

export interface Caller {
  credentials: IssuedCredentials;
  /** The request body as signed; empty when it was left `streamed`. */
  body: Buffer;
  verified: VerifiedSigV4;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  sessionArn: string;
  /** The caller's role policies for one action on one resource, worded as AWS refuses. */
  authorize(action: string, resource: string, extraContext?: Record<string, string>): AuthorizeResult;
}

export type CallerRejection =
  | { reason: 'body-too-large'; limitBytes: number }
  | { reason: 'body-unreadable'; error: unknown }
  | { reason: 'no-credential-store' }
  | { reason: 'signature'; error: SigV4Error };

export type CallerResult = { ok: true; caller: Caller } | { ok: false; rejection: CallerRejection };

/** Stubbed verifiers throw look-alikes, so the name decides, not the class. */
function isSigV4Error(err: unknown): err is SigV4Error {
  return err instanceof Error && err.name === 'SigV4Error';
}

function toBuffer(data: Uint8Array | string): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export async function verifyCaller(req: Request, opts: VerifyCallerOptions): Promise<CallerResult> {
  let body: Buffer;
  if (opts.body === 'streamed') body = Buffer.alloc(0);
  else if ('given' in opts.body) body = toBuffer(opts.body.given);
  else {
    try {
      body = await readBody(req, opts.body.maxBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return { ok: false, rejection: { reason: 'body-too-large', limitBytes: error.limitBytes } };
      return { ok: false, rejection: { reason: 'body-unreadable', error } };
    }
  }

  if (!opts.credentials) return { ok: false, rejection: { reason: 'no-credential-store' } };

  let verified: VerifiedSigV4;
  try {
    verified = await (opts.verify ?? verifySigV4)(req, {
      service: opts.service,
      region: opts.model.region,
      credentials: opts.credentials,
      clock: opts.clock,
      ...(opts.body === 'streamed' ? {} : { body }),
      ...(opts.allowUnsignedPayload ? { allowUnsignedPayload: true } : {}),
    });
  } catch (error) {
    if (isSigV4Error(error)) return { ok: false, rejection: { reason: 'signature', error } };
    throw error;
  }

  const { model } = opts;
  const credentials = verified.credentials;
  return {
    ok: true,
    caller: {
      credentials,
      body,
      verified,
      sessionArn: assumedRoleArn(model, credentials),
      authorize: (action, resource, extraContext) => authorizeCaller(model, credentials, action, resource, extraContext),
    },
  };
}
