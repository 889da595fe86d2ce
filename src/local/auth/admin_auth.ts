import { isLoopbackRequest } from '../core/request_info.js';
import { verifyCaller } from '../core/caller.js';
import { CognitoError, errors } from './errors.js';
import type { AuthPool } from './pool.js';

/**
 * Who may call the Admin* / ListUsers APIs. Real Cognito requires SigV4 with IAM permission. Locally:
 * - a SigV4-signed request must verify against credentials the local cloud issued (identity pool or
 *   a function's role); any such credentials are accepted — IAM policies are not evaluated for these
 *   calls, so a function's missing `cognito-idp:*` grant is not caught locally;
 * - an unsigned request is accepted only from this machine (loopback socket or in-process), so the
 *   AWS CLI/SDK tests, scripts and the console can manage users without credentials.
 * Failures answer with the AWS JSON protocol's names (UnrecognizedClientException...).
 */
export async function authorizeAdminCall(pool: AuthPool, req: Request, body: string): Promise<void> {
  const signed = req.headers.has('authorization') || new URL(req.url).searchParams.has('X-Amz-Signature');
  if (!signed) {
    if (isLoopbackRequest(req)) return;
    throw errors.missingAuthenticationToken('Missing Authentication Token ((local: unsigned admin calls are accepted from loopback only))');
  }
  const verified = await verifyCaller(req, {
    service: 'cognito-idp',
    model: pool.ctx.model,
    clock: pool.ctx.clock,
    credentials: pool.ctx.registry.tryGet('identity.credentials'),
    body: { given: body },
  });
  if (verified.ok) return;
  const rejection = verified.rejection;
  switch (rejection.reason) {
    case 'no-credential-store':
      if (isLoopbackRequest(req)) return;
      throw errors.unrecognizedClient('The security token included in the request is invalid. ((local: no credential store is running))');
    case 'signature':
      throw new CognitoError(rejection.error.json.type, rejection.error.message, rejection.error.json.status);
    default:
      // The body was given, so it cannot be too large or unreadable here.
      throw new Error(`authorizeAdminCall: unexpected ${rejection.reason}`);
  }
}
