import type { BackendModel, IdentityPoolModel } from '../../../src/local/assembly/model.js';
import { ManualClock } from '../../../src/local/core/clock.js';
import type { CredentialStore, Registry } from '../../../src/local/core/registry.js';
import type { LocalService } from '../../../src/local/core/service.js';
import { createIdentityService } from '../../../src/local/identity/index.js';
import { minimalModel } from '../../helpers/minimal_model.js';
import { serviceContext, startService } from '../../helpers/service_context.js';
import { StubUserPool } from './stub_token_verifier.js';

export const ENDPOINT = 'https://127.0.0.1:20002';
export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
export const AUTH_ROLE = 'arn:aws:iam::123456789012:role/amplify-local-authenticatedUserRole';
export const UNAUTH_ROLE = 'arn:aws:iam::123456789012:role/amplify-local-unauthenticatedUserRole';

/** A hand-built model fragment: one user pool provider, both roles attached. */
export function identityModel(pool: Partial<IdentityPoolModel> & Record<string, unknown> = {}): BackendModel {
  const base = minimalModel();
  const auth = base.auth!;
  return {
    ...base,
    auth: {
      ...auth,
      identityPool: { ...auth.identityPool!, authenticatedRoleArn: AUTH_ROLE, unauthenticatedRoleArn: UNAUTH_ROLE, ...pool },
    },
  };
}

export interface IdentityHarness {
  service: LocalService;
  registry: Registry;
  clock: ManualClock;
  dataDir: string;
  model: BackendModel;
  userPool: StubUserPool;
  credentials: CredentialStore;
  clientId: string;
  /** The `Logins` key the v6 client derives from the ID token's `iss`. */
  loginsKey: string;
  poolId: string;
  call(operation: string, body: unknown): Promise<{ status: number; type?: string; json: Record<string, unknown> }>;
  /** A new service instance on the same data dir (a restart), sharing clock and user pool. */
  restart(): Promise<IdentityHarness>;
}

/** Starts the identity service alone, with a stub user pool registered as `auth.tokens`. */
export async function startIdentity(
  opts: { model?: BackendModel; dataDir?: string; clock?: ManualClock; userPool?: StubUserPool; withUserPool?: boolean } = {},
): Promise<IdentityHarness> {
  const model = opts.model ?? identityModel();
  // As in the frame, the endpoint is set only once the service is created (just before start).
  const { ctx, registry, clock } = serviceContext({
    name: 'identity',
    model,
    dataDir: opts.dataDir,
    endpoint: '',
    clock: opts.clock ?? new ManualClock(NOW),
    noMessages: 'identity sends no messages',
  });
  const dataDir = ctx.dataDir;
  const userPoolId = model.auth!.userPool.id;
  const userPool = opts.userPool ?? new StubUserPool(ENDPOINT, userPoolId, clock);
  if (opts.withUserPool !== false) registry.provide('auth.tokens', userPool);
  const service = createIdentityService(ctx);
  ctx.endpoint = ENDPOINT;
  await startService(service, registry);

  const harness: IdentityHarness = {
    service,
    registry,
    clock,
    dataDir,
    model,
    userPool,
    credentials: registry.get('identity.credentials'),
    clientId: model.auth!.identityPool?.providers[0].clientId ?? model.auth!.defaultClientId,
    loginsKey: `127.0.0.1:20002/${userPoolId}`,
    poolId: model.auth!.identityPool?.id ?? '',
    async call(operation, body) {
      const res = await service.fetch(
        new Request(`${ENDPOINT}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${operation}` },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      );
      const json = (await res.json()) as Record<string, unknown>;
      return { status: res.status, type: res.headers.get('x-amzn-errortype') ?? undefined, json };
    },
    async restart() {
      await service.stop();
      return startIdentity({ model, dataDir, clock, userPool, withUserPool: opts.withUserPool });
    },
  };
  return harness;
}
