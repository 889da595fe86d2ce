import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import type { BackendModel } from '../../../../src/local/assembly/model.js';
import { ManualClock } from '../../../../src/local/core/clock.js';
import type { Logger } from '../../../../src/local/core/logger.js';
import {
  TokenRejectedError,
  type ChangeFeed,
  type CredentialStore,
  type IssuedCredentials,
  type JwtClaims,
  type Registry,
  type TokenVerifier,
} from '../../../../src/local/core/registry.js';
import type {
  ExecuteRequest,
  GraphqlResult,
  LocalGraphqlEngine,
  MutationEvent,
  PrepareSubscriptionResult,
  UserPoolIdentity,
} from '../../../../src/local/data/engine/types.js';
import { createDataService, type DataService, type DataServiceOptions } from '../../../../src/local/data/index.js';
import { minimalModel } from '../../../helpers/minimal_model.js';
import { serviceContext, startService } from '../../../helpers/service_context.js';

/**
 * Wire-level fixtures: the data service over a fake engine, a fake token verifier (signature =
 * `sig:<pool>`), an in-memory credential store, and a plain-HTTP server for WebSocket tests.
 */

export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
export const POOL_ID = 'us-east-1_Frame0001';
export const CLIENT_ID = 'frameclient0000000000000001';
export const ISSUER = `https://127.0.0.1:20002/${POOL_ID}`;
export const API_KEY = 'da2-frameframeframeframe01';
export const AUTH_ROLE = 'arn:aws:iam::123456789012:role/amplify-authRole-ABC';
export const FUNCTION_ROLE = 'arn:aws:iam::123456789012:role/postprocessor-lambdaRole-XYZ';
export const API_ID = 'frameapi00000000000000001';

export const aliceCreds: IssuedCredentials = {
  accessKeyId: 'ASIAALICEALICEALICE0',
  secretAccessKey: 'alice-secret-key-alice-secret-key-0000',
  sessionToken: 'alice-session-token',
  expiration: NOW + 3600_000,
  roleArn: AUTH_ROLE,
  identityId: 'us-east-1:11111111-2222-3333-4444-555555555555',
  identityPoolId: 'us-east-1:00000000-0000-4000-8000-000000000001',
  kind: 'authenticated',
  userSub: 'sub-alice',
  username: 'alice',
};

export const functionCreds: IssuedCredentials = {
  accessKeyId: 'ASIAFUNCTIONFUNCTION',
  secretAccessKey: 'function-secret-key-function-secret-00',
  sessionToken: 'function-session-token',
  expiration: NOW + 3600_000,
  roleArn: FUNCTION_ROLE,
  kind: 'function',
  functionName: 'post-processor-fn',
};

export function testModel(dataOverrides: Partial<NonNullable<BackendModel['data']>> = {}): BackendModel {
  const base = minimalModel();
  return {
    ...base,
    data: { ...base.data!, ...dataOverrides },
    iam: {
      roles: [
        {
          logicalId: 'AuthRole',
          arn: AUTH_ROLE,
          name: 'amplify-authRole-ABC',
          statements: [{ effect: 'Allow', actions: ['appsync:GraphQL'], resources: [`arn:aws:appsync:us-east-1:123456789012:apis/${API_ID}/types/Query/fields/ping`] }],
        },
        {
          logicalId: 'FnRole',
          arn: FUNCTION_ROLE,
          name: 'postprocessor-lambdaRole-XYZ',
          statements: [
            {
              effect: 'Allow',
              actions: ['appsync:GraphQL'],
              resources: [`arn:aws:appsync:us-east-1:123456789012:apis/${API_ID}/types/Query/*`],
            },
            {
              effect: 'Allow',
              actions: ['dynamodb:GetItem'],
              resources: ['arn:aws:dynamodb:us-east-1:123456789012:table/Thing-local'],
            },
          ],
        },
      ],
    },
  };
}

// ── tokens ──

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

export function makeToken(claims: Partial<JwtClaims> & Record<string, unknown> = {}, opts: { pool?: string } = {}): string {
  const payload = {
    sub: 'sub-alice',
    iss: ISSUER,
    token_use: 'access',
    client_id: CLIENT_ID,
    username: 'alice',
    exp: Math.floor(NOW / 1000) + 3600,
    iat: Math.floor(NOW / 1000),
    ...claims,
  };
  return `${b64({ alg: 'RS256', kid: 'k1' })}.${b64(payload)}.${b64(`sig:${opts.pool ?? POOL_ID}`)}`;
}

export function fakeVerifier(clock: ManualClock): TokenVerifier {
  return {
    issuer: ISSUER,
    userPoolId: POOL_ID,
    async verify(token) {
      const [, payload, sig] = token.split('.');
      let claims: JwtClaims;
      try {
        claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JwtClaims;
      } catch {
        throw new TokenRejectedError('cannot decode', 'malformed');
      }
      if (Buffer.from(sig, 'base64url').toString() !== `sig:${POOL_ID}`) throw new TokenRejectedError('signature does not verify', 'signature');
      if (claims.iss !== ISSUER) throw new TokenRejectedError('foreign issuer', 'issuer');
      if (claims.exp * 1000 <= clock.now()) throw new TokenRejectedError('expired', 'expired');
      return claims;
    },
  };
}

export function memoryCredentials(...creds: IssuedCredentials[]): CredentialStore {
  const byId = new Map(creds.map((c) => [c.accessKeyId, c]));
  return {
    lookup: (id) => byId.get(id),
    issueForRole: () => {
      throw new Error('not used in wire tests');
    },
  };
}

// ── engine ──

/** Resolves like the generated owner rules: a subscriber sees only its own records. */
export class FakeEngine implements LocalGraphqlEngine {
  readonly calls: ExecuteRequest[] = [];
  readonly prepared: ExecuteRequest[] = [];
  executeImpl?: (req: ExecuteRequest) => Promise<GraphqlResult>;
  private readonly listeners = new Set<(e: MutationEvent) => void>();
  readonly changes: ChangeFeed = { subscribe: () => () => {} };
  readonly dynamodbCalls: { target: string; body: string }[] = [];
  readonly dynamodb = {
    handleJson: async (target: string, body: string) => {
      this.dynamodbCalls.push({ target, body });
      return { status: 200, headers: {}, body: JSON.stringify({ Item: { id: { S: 'thing-1' } } }) };
    },
    reset: async () => {},
    close: async () => {},
  };

  async execute(req: ExecuteRequest): Promise<GraphqlResult> {
    this.calls.push(req);
    if (this.executeImpl) return this.executeImpl(req);
    if (req.authorizeField && !req.authorizeField('Query', 'ping')) {
      return {
        data: { ping: null },
        errors: [{ path: ['ping'], errorType: 'Unauthorized', message: 'Not Authorized to access ping on type Query' }],
      };
    }
    return { data: { ping: 'pong' } };
  }

  async prepareSubscription(req: ExecuteRequest): Promise<PrepareSubscriptionResult> {
    this.prepared.push(req);
    if (!req.query.includes('onCreateThing')) {
      return { errors: [{ message: "Validation error of type FieldUndefined: Field 'nope' in type 'Subscription' is undefined", errorType: 'ValidationError' }] };
    }
    if (req.authorizeField && !req.authorizeField('Subscription', 'onCreateThing')) {
      return { errors: [{ errorType: 'Unauthorized', message: 'Not Authorized to access onCreateThing on type Subscription' }] };
    }
    const sub = (req.identity as UserPoolIdentity | null)?.sub;
    return {
      plan: {
        fieldName: 'onCreateThing',
        mutationFields: ['createThing'],
        deliver: async (event) => (event.source?.owner === sub ? { data: { onCreateThing: event.result } } : null),
      },
    };
  }

  onMutation(listener: (e: MutationEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(owner: string, id = 'thing-1'): void {
    const result = { id, owner, name: `thing ${id}` };
    for (const l of this.listeners) {
      l({ mutationField: 'createThing', result, selectionFields: ['id', 'owner', 'name'], source: result, arguments: { input: result }, invalidations: [] });
    }
  }

  describe(): string[] {
    return ['fake engine'];
  }
  async reset(): Promise<void> {}
  async close(): Promise<void> {}
}

// ── service ──

export interface WireHarness {
  service: DataService;
  engine: FakeEngine;
  clock: ManualClock;
  registry: Registry;
  graphql(init: { body?: string | Uint8Array; headers?: Record<string, string> }): Promise<Response>;
  stop(): Promise<void>;
}

export async function startWire(opts: DataServiceOptions & { model?: BackendModel; withAuth?: boolean; log?: Logger } = {}): Promise<WireHarness> {
  const { ctx, registry, clock } = serviceContext({
    name: 'data',
    model: opts.model ?? testModel(),
    // The fake engine keeps nothing on disk.
    dataDir: '/nonexistent-data-dir',
    clock: new ManualClock(NOW),
    ids: { uuid: (() => { let n = 0; return () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`; })(), bytes: (n) => Buffer.alloc(n, 7), digits: (n) => '1'.repeat(n) },
    noMessages: 'the data service sends no messages',
    log: opts.log,
  });
  if (opts.withAuth !== false) {
    registry.provide('auth.tokens', fakeVerifier(clock));
    registry.provide('identity.credentials', memoryCredentials(aliceCreds, functionCreds));
  }
  const engine = new FakeEngine();
  const service = await startService(createDataService(ctx, { ...opts, engineFactory: async () => engine }), registry);
  return {
    service,
    engine,
    clock,
    registry,
    graphql: ({ body, headers }) =>
      service.fetch(
        new Request('https://127.0.0.1:20002/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: body ?? JSON.stringify({ query: '{ ping }' }),
        }),
      ),
    stop: () => service.stop(),
  };
}

/** A plain-HTTP server whose upgrades go through the service's `upgrade()` hook, as the front door does. */
export async function listenForUpgrades(service: DataService): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    if (!service.upgrade?.({ url, headers, raw: { req, socket, head } })) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type WireMessage = { type: string; id?: string; payload?: Record<string, unknown> };

/** A `ws` client that queues server messages so tests can await them in order. */
export class TestSocket {
  readonly messages: WireMessage[] = [];
  private waiters: (() => void)[] = [];
  readonly closed: Promise<{ code: number }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as WireMessage);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve({ code })));
  }

  static async open(url: string, protocols: string[]): Promise<TestSocket> {
    const ws = new WebSocket(url, protocols);
    const sock = new TestSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return sock;
  }

  send(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  /** The next message (after those already taken) matching `pred`. */
  async next(pred: (m: WireMessage) => boolean = () => true, timeoutMs = 5000): Promise<WireMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.messages.findIndex(pred);
      if (i >= 0) return this.messages.splice(i, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.ws.close();
  }
}

export function headerProtocol(headers: Record<string, string>): string {
  return `header-${Buffer.from(JSON.stringify(headers)).toString('base64url')}`;
}

export function userPoolHeaders(token: string, host = '127.0.0.1:20002'): Record<string, string> {
  return { Authorization: token, host };
}
