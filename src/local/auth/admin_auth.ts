import { verifyCaller } from '../core/caller.js';
import { CognitoError, errors } from './errors.js';
import type { AuthPool } from './pool.js';

/**
 * Who may call the Admin* / ListUsers / ListGroups APIs: as on Cognito, a SigV4-signed request
 * (service `cognito-idp`) whose caller's IAM policy allows `cognito-idp:<Operation>` on the pool's
 * ARN. Callers are the account's developer keys (an administrator), identity-pool credentials,
 * STS sessions and functions' role credentials (a post-confirmation trigger granted
 * `allow.resource(fn).to(['addUserToGroup'])` gets `cognito-idp:AdminAddUserToGroup` on the pool).
 * Unsigned requests get MissingAuthenticationTokenException; refusals use the AWS JSON names.
 */
export async function authorizeAdminCall(pool: AuthPool, req: Request, operation: string, body: string): Promise<void> {
  const signed = req.headers.has('authorization') || new URL(req.url).searchParams.has('X-Amz-Signature');
  if (!signed) {
    throw errors.missingAuthenticationToken(
      'Missing Authentication Token ((local: admin calls must be signed; the developer credentials in custom.local of the outputs are an administrator))',
    );
  }
  const verified = await verifyCaller(req, {
    service: 'cognito-idp',
    model: pool.ctx.model,
    clock: pool.ctx.clock,
    credentials: pool.ctx.registry.tryGet('identity.credentials'),
    body: { given: body },
  });
  if (!verified.ok) {
    const rejection = verified.rejection;
    switch (rejection.reason) {
      case 'no-credential-store':
        throw errors.unrecognizedClient('The security token included in the request is invalid. ((local: no credential store is running))');
      case 'signature':
        throw new CognitoError(rejection.error.json.type, rejection.error.message, rejection.error.json.status);
      default:
        // The body was given, so it cannot be too large or unreadable here.
        throw new Error(`authorizeAdminCall: unexpected ${rejection.reason}`);
    }
  }
  const { model } = pool.ctx;
  const authz = verified.caller.authorize(`cognito-idp:${operation}`, `arn:aws:cognito-idp:${model.region}:${model.accountId}:userpool/${requestedPoolId(body) ?? pool.pool.id}`);
  if (!authz.allowed) throw errors.accessDenied(authz.message);
}

/** The pool the request names (the resource IAM checks); the handler validates it afterwards. */
function requestedPoolId(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { UserPoolId?: unknown }).UserPoolId;
    return typeof id === 'string' && /^[\w-]+_[0-9a-zA-Z]+$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
