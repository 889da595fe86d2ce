import { BodyTooLargeError, readBody } from '../core/aws_errors.js';
import { verifyCaller } from '../core/caller.js';
import type { LocalService, ServiceContext } from '../core/service.js';
import { assumeRole, assumeRoleWithWebIdentity, getCallerIdentity, type StsDeps } from './handlers.js';
import { queryParameters, signatureError, STS_VERSION, StsError } from './wire.js';

/** Web identity tokens may be 20 000 characters; a request far larger is not a real client. */
const MAX_BODY_BYTES = 64 * 1024;

const SIGNED = {
  GetCallerIdentity: getCallerIdentity,
  AssumeRole: assumeRole,
} as const;
const UNSIGNED = {
  AssumeRoleWithWebIdentity: assumeRoleWithWebIdentity,
} as const;

/** The SigV4 scope names the service: only `sts` requests (or unsigned ones) are STS's. */
function scopedToSts(req: Request, url: URL): boolean {
  const auth = req.headers.get('authorization');
  if (auth) return /Credential=[^/,\s]+\/\d{8}\/[^/]+\/sts\/aws4_request/.test(auth);
  const credential = url.searchParams.get('X-Amz-Credential');
  if (credential) return credential.split('/')[3] === 'sts';
  return true;
}

/**
 * AWS STS on the shared endpoint (Query protocol, `POST /` with a form body, or `GET /?Action=…`):
 * GetCallerIdentity for every credential the local cloud knows, AssumeRole against the template's
 * roles and their trust policies, AssumeRoleWithWebIdentity with the local pools' tokens. Sessions
 * are minted by the identity service's credential store, so every SigV4 service knows them and
 * applies their role's policies.
 */
export function createStsService(ctx: ServiceContext): LocalService {
  const deps: StsDeps = {
    model: ctx.model,
    clock: ctx.clock,
    peers: ctx.registry,
    credentials: () => ctx.registry.tryGet('identity.credentials'),
  };

  async function handle(req: Request, url: URL): Promise<Response> {
    let body: Buffer;
    try {
      body = req.method === 'POST' ? await readBody(req, MAX_BODY_BYTES) : Buffer.alloc(0);
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw new StsError(400, 'ValidationError', `Request body is larger than ${MAX_BODY_BYTES} bytes ((local))`);
      throw err;
    }
    const params = queryParameters(url, body.toString('utf8'), req.headers.get('content-type'));
    const action = params.get('Action') ?? '';
    const version = params.get('Version');
    if (version !== undefined && version !== STS_VERSION) {
      throw new StsError(400, 'InvalidAction', `Could not find operation ${action} for version ${version}`);
    }
    if (Object.hasOwn(UNSIGNED, action)) return UNSIGNED[action as keyof typeof UNSIGNED](deps, params);
    if (!Object.hasOwn(SIGNED, action)) {
      throw new StsError(400, 'InvalidAction', `Could not find operation ${action} for version ${version ?? STS_VERSION} ((local: the local STS implements ${[...Object.keys(SIGNED), ...Object.keys(UNSIGNED)].join(', ')}))`);
    }
    const verified = await verifyCaller(req, { service: 'sts', model: ctx.model, clock: ctx.clock, credentials: deps.credentials(), body: { given: body } });
    if (!verified.ok) {
      const rejection = verified.rejection;
      if (rejection.reason === 'signature') throw signatureError(rejection.error);
      throw new StsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid. ((local: the identity service, which knows the credentials, is not running))');
    }
    return SIGNED[action as keyof typeof SIGNED](deps, verified.caller, params);
  }

  return {
    name: 'sts',
    matches(req, url) {
      if (url.pathname !== '/' || req.headers.has('x-amz-target')) return false;
      const form = req.method === 'POST' && (req.headers.get('content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
      const get = req.method === 'GET' && url.searchParams.has('Action');
      return (form || get) && scopedToSts(req, url);
    },
    async fetch(req) {
      try {
        return await handle(req, new URL(req.url));
      } catch (err) {
        if (err instanceof StsError) return err.toResponse();
        throw err;
      } finally {
        if (req.body && !req.bodyUsed) await req.body.cancel().catch(() => {});
      }
    },
    async start() {},
    async reset() {},
    async stop() {},
    describe() {
      const trusting = ctx.model.iam.roles.filter((r) => (r.trustStatements ?? []).some((s) => s.principals?.AWS || s.principals?.Federated)).length;
      return [`sts: GetCallerIdentity, AssumeRole, AssumeRoleWithWebIdentity (${trusting} role(s) trust an account or identity provider)`];
    },
  };
}
