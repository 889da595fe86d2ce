import { isLoopbackRequest } from '../core/request_info.js';
import { SigV4Error, verifySigV4 } from '../core/sigv4_verify.js';
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
  const credentials = pool.ctx.registry.tryGet('identity.credentials');
  if (!credentials) {
    if (isLoopbackRequest(req)) return;
    throw errors.unrecognizedClient('The security token included in the request is invalid. ((local: no credential store is running))');
  }
  try {
    await verifySigV4(req, { service: 'cognito-idp', region: pool.ctx.model.region, credentials, clock: pool.ctx.clock, body });
  } catch (err) {
    if (err instanceof SigV4Error) throw new CognitoError(err.json.type, err.message, err.json.status);
    throw err;
  }
}
