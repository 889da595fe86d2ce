import { WebSocketServer, type WebSocket } from 'ws';
import type { IdSource } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { UpgradeRequest } from '../../core/service.js';
import { authenticate, fieldAuthorizer, NOT_PROVIDED, type AuthDeps, type AuthResult, type AuthSuccess } from '../auth_modes.js';
import type { ExecuteRequest, GraphqlEngine, SubscriptionPlan } from '../engine/types.js';
import type { DataRecorder, RequestRecord } from '../metrics.js';
import { operationLabel, selectOperation, summarizeDocument } from '../operation_info.js';
import type { SubscriptionHub, Subscriber } from './hub.js';
import {
  connectionAuthHeaders,
  headerLookup,
  KEEP_ALIVE_INTERVAL_MS,
  parseClientMessage,
  serverMessage,
  SUBPROTOCOL,
  type WireError,
} from './protocol.js';

/** Timers are injected so keep-alive behaviour is testable without waiting a minute. */
export interface KeepAliveOptions {
  intervalMs?: number;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
}

export interface RealtimeDeps extends AuthDeps {
  engine(): GraphqlEngine | undefined;
  hub: SubscriptionHub;
  recorder: DataRecorder;
  ids: IdSource;
  log: Logger;
  keepAlive?: KeepAliveOptions;
}

export const REALTIME_PATH = '/graphql/realtime';
/** Client frames are small (a subscription document); AppSync's own message limit is 240 KB. */
const MAX_CLIENT_FRAME_BYTES = 256 * 1024;

/** RFC 9110 field names and the values a Fetch Headers object accepts. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export class RealtimeServer {
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<RealtimeConnection>();

  constructor(private readonly deps: RealtimeDeps) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_CLIENT_FRAME_BYTES,
      // Answer with `graphql-ws` (the `header-…` entry carries credentials, it is not a protocol).
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
  }

  handleUpgrade(up: UpgradeRequest): boolean {
    const path = up.url.pathname.replace(/\/+$/, '');
    if (path !== REALTIME_PATH) return false;
    const protocols = (up.headers.get('sec-websocket-protocol') ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    if (!protocols.includes(SUBPROTOCOL)) {
      // AppSync speaks only `graphql-ws`: the socket opens, hears why, and is closed.
      this.wss.handleUpgrade(up.raw.req, up.raw.socket, up.raw.head, (ws) => {
        ws.send(serverMessage.protocolError(protocols.some((p) => !p.startsWith('header-')) ? 'SubProtocolNotSupportedError' : 'NoProtocolError'));
        ws.close(1002, 'graphql-ws required');
      });
      return true;
    }
    const remote = up.raw.req.socket.remoteAddress ?? '127.0.0.1';
    const sourceIp = remote.startsWith('::ffff:') ? remote.slice(7) : remote;
    const authHeaders = connectionAuthHeaders(protocols, up.url);
    // Verification starts now; `connection_init` waits for it.
    const auth = this.verify(authHeaders, '/graphql/connect', '{}', sourceIp);
    this.wss.handleUpgrade(up.raw.req, up.raw.socket, up.raw.head, (ws) => {
      const conn = new RealtimeConnection(ws, auth, sourceIp, this.deps, this);
      this.connections.add(conn);
      ws.once('close', () => this.connections.delete(conn));
    });
    return true;
  }

  /** Verifies auth headers as AppSync does for HTTP, against the request the client signed. */
  verify(headers: Record<string, unknown> | undefined, signedPath: string, body: string, sourceIp: string): Promise<AuthResult> {
    if (!headers) {
      return Promise.resolve({ ok: false, status: 401, errorType: 'UnauthorizedException', message: NOT_PROVIDED, detail: 'no auth headers were presented' });
    }
    const header = headerLookup(headers);
    return authenticate(
      {
        header,
        sourceIp,
        signedRequest: () => {
          // Values no HTTP client could have sent (a header name that is no token, a value beyond
          // Latin-1 or with line breaks) cannot be part of a valid signature: they are left out, so
          // the signature check refuses the request instead of the Request constructor throwing.
          const plain: Record<string, string> = {};
          for (const [k, v] of Object.entries(headers)) if (typeof v === 'string' && HEADER_NAME.test(k) && HEADER_VALUE.test(v)) plain[k] = v;
          const host = plain.host ?? Object.entries(plain).find(([k]) => k.toLowerCase() === 'host')?.[1];
          let url: URL;
          try {
            url = new URL(`https://${host ?? '127.0.0.1'}${signedPath}`);
          } catch {
            url = new URL(`https://127.0.0.1${signedPath}`);
          }
          return { request: new Request(url, { method: 'POST', headers: plain, body }), body };
        },
      },
      this.deps,
    ).catch((err: unknown) => {
      this.deps.log.error(`realtime auth failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return { ok: false, status: 500, errorType: 'InternalFailure', message: 'An internal failure occurred.', detail: String(err) } as AuthResult;
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Closes every socket (service stop / reset); subscriptions are dropped by each close handler. */
  async closeAll(): Promise<void> {
    const closing = [...this.connections].map(
      (c) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            c.ws.terminate();
            resolve();
          }, 1000);
          c.ws.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          c.ws.close(1001, 'server shutting down');
        }),
    );
    await Promise.all(closing);
  }
}

class RealtimeConnection {
  private acked = false;
  private readonly subs = new Map<string, Subscriber>();
  /** Starts still being prepared; a `stop` or close in the meantime cancels them. */
  private readonly pending = new Set<string>();
  private kaHandle: unknown;
  private closed = false;

  constructor(
    readonly ws: WebSocket,
    private readonly auth: Promise<AuthResult>,
    private readonly sourceIp: string,
    private readonly deps: RealtimeDeps,
    private readonly server: RealtimeServer,
  ) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return this.send(serverMessage.error(undefined, [{ errorType: 'BadRequestException', message: 'Binary frames are not supported.' }]));
      void this.onMessage(data.toString()).catch((err: unknown) => {
        deps.log.error(`realtime message failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      });
    });
    ws.on('error', () => {});
    ws.once('close', () => this.onClose());
  }

  send(frame: string): boolean {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return false;
    this.ws.send(frame);
    return true;
  }

  private async onMessage(raw: string): Promise<void> {
    const parsed = parseClientMessage(raw);
    if (!parsed.ok) {
      this.send(serverMessage.error(parsed.id, [parsed.error]));
      return;
    }
    const msg = parsed.message;
    switch (msg.type) {
      case 'connection_init':
        return this.onInit();
      case 'start':
        return this.onStart(msg.id, msg.payload);
      case 'stop':
        return this.onStop(msg.id);
    }
  }

  private record(partial: Partial<RequestRecord> & Pick<RequestRecord, 'id' | 'operationType' | 'status'>, started: number): void {
    this.deps.recorder.remember({
      at: this.deps.clock.now(),
      transport: 'realtime',
      operationName: null,
      authMode: null,
      principal: null,
      errors: [],
      latencyMs: performance.now() - started,
      ...partial,
    });
  }

  private async onInit(): Promise<void> {
    const started = performance.now();
    if (this.acked) {
      this.send(serverMessage.connectionAck());
      return;
    }
    const auth = await this.auth;
    if (this.closed) return;
    const id = this.deps.ids.uuid();
    if (!auth.ok) {
      this.deps.recorder.count(auth.status >= 500 ? 'ConnectServerError' : 'ConnectClientError');
      this.record(
        { id, operationType: 'connect', status: auth.status, errors: [{ errorType: auth.errorType, message: `${auth.message} ((local: ${auth.detail}))` }] },
        started,
      );
      this.send(serverMessage.connectionError([{ errorType: auth.errorType, message: auth.message, errorCode: auth.status }]));
      this.ws.close(1000);
      return;
    }
    this.acked = true;
    this.deps.recorder.count('ConnectSuccess');
    this.deps.recorder.gauge('ActiveConnections', 1);
    this.record({ id, operationType: 'connect', status: 200, authMode: auth.mode, principal: auth.principal }, started);
    this.send(serverMessage.connectionAck());
    this.startKeepAlive();
  }

  private startKeepAlive(): void {
    const ka = this.deps.keepAlive ?? {};
    const every = ka.intervalMs ?? KEEP_ALIVE_INTERVAL_MS;
    const set = ka.setInterval ?? ((fn: () => void, ms: number) => setInterval(fn, ms).unref());
    this.send(serverMessage.ka());
    this.kaHandle = set(() => this.send(serverMessage.ka()), every);
  }

  private fail(id: string, errors: WireError[], started: number, extra: Partial<RequestRecord> = {}, status = 400): void {
    this.deps.recorder.count(status >= 500 ? 'SubscribeServerError' : 'SubscribeClientError');
    this.record({ id, operationType: 'subscription', status, errors: errors.map((e) => ({ errorType: e.errorType, message: e.message })), ...extra }, started);
    this.send(serverMessage.error(id, errors));
  }

  private async onStart(id: string, payload: { data: string; extensions?: { authorization?: Record<string, unknown> } }): Promise<void> {
    const started = performance.now();
    if (!this.acked) {
      return this.fail(id, [{ errorType: 'BadRequestException', message: 'Subscription request received before connection_init. ((local: send connection_init first))' }], started);
    }
    if (this.subs.has(id) || this.pending.has(id)) {
      return this.fail(id, [{ errorType: 'DuplicatedOperationError', message: `Duplicate subscription ID: ${id}` }], started);
    }
    let request: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      request = JSON.parse(payload.data) as typeof request;
    } catch {
      return this.fail(id, [{ errorType: 'BadRequestException', message: 'Unable to parse GraphQL query.' }], started);
    }
    if (typeof request !== 'object' || request === null || typeof request.query !== 'string') {
      return this.fail(id, [{ errorType: 'BadRequestException', message: 'Unable to parse GraphQL query.' }], started);
    }
    const query = request.query;
    const variables = typeof request.variables === 'object' && request.variables !== null ? (request.variables as Record<string, unknown>) : null;
    const operationName = typeof request.operationName === 'string' ? request.operationName : null;

    this.pending.add(id);
    try {
      const auth = await this.server.verify(payload.extensions?.authorization, '/graphql', payload.data, this.sourceIp);
      if (!auth.ok) {
        return this.fail(
          id,
          [{ errorType: auth.errorType, message: auth.message, errorCode: auth.status }],
          started,
          { errors: [{ errorType: auth.errorType, message: `${auth.message} ((local: ${auth.detail}))` }] },
          auth.status,
        );
      }
      const summary = summarizeDocument(query);
      const op = summary.ok ? selectOperation(summary, operationName) : undefined;
      const recordExtra: Partial<RequestRecord> = { authMode: auth.mode, principal: auth.principal, operationName: operationName ?? operationLabel(op) };
      if (!summary.ok) {
        return this.fail(id, [{ errorType: 'BadRequestException', message: `Unable to parse GraphQL query. ((local: ${summary.message}))` }], started, recordExtra);
      }
      const key = groupKey(query, variables, operationName, auth);
      let plan: SubscriptionPlan | undefined = this.deps.hub.planFor(key);
      const prepareRequest: ExecuteRequest = {
        query,
        variables,
        operationName,
        authMode: auth.mode,
        identity: auth.identity,
        headers: lowerCased(payload.extensions?.authorization ?? {}),
        requestId: this.deps.ids.uuid(),
        domainName: headerLookup(payload.extensions?.authorization ?? {})('host') ?? null,
        authorizeField: fieldAuthorizer(auth, this.deps.model),
      };
      if (!plan) {
        const engine = this.deps.engine();
        if (!engine) return this.fail(id, [{ errorType: 'ServiceUnavailableException', message: 'The data service is starting.' }], started, recordExtra, 503);
        const prepared = await engine
          .prepareSubscription(prepareRequest)
          .catch((err: unknown) => {
            // The engine answers request problems with errors; a throw is our fault, not the client's.
            this.deps.log.error(`preparing subscription ${id} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
            return undefined;
          });
        if (!prepared) {
          return this.fail(id, [{ errorType: 'InternalFailure', message: 'An internal failure occurred.' }], started, recordExtra, 500);
        }
        if ('errors' in prepared) {
          return this.fail(
            id,
            prepared.errors.map((e) => ({ ...e, errorType: e.errorType ?? 'BadRequestException', message: e.message })),
            started,
            recordExtra,
          );
        }
        plan = prepared.plan;
      }
      if (this.closed || !this.pending.has(id)) return;
      const subscriber: Subscriber = { id, send: (frame) => this.send(frame) };
      this.subs.set(id, subscriber);
      this.deps.hub.add(key, plan, subscriber, prepareRequest);
      this.deps.recorder.count('SubscribeSuccess');
      this.record({ id, operationType: 'subscription', status: 200, ...recordExtra }, started);
      this.send(serverMessage.startAck(id));
    } finally {
      this.pending.delete(id);
    }
  }

  private onStop(id: string): void {
    this.pending.delete(id);
    const sub = this.subs.get(id);
    if (sub) {
      this.subs.delete(id);
      this.deps.hub.remove(sub);
      this.deps.recorder.count('UnsubscribeSuccess');
    }
    this.send(serverMessage.complete(id));
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.kaHandle !== undefined) {
      const clear = this.deps.keepAlive?.clearInterval ?? ((h: unknown) => clearInterval(h as NodeJS.Timeout));
      clear(this.kaHandle);
    }
    for (const sub of this.subs.values()) this.deps.hub.remove(sub);
    this.subs.clear();
    this.pending.clear();
    if (this.acked) {
      this.deps.recorder.gauge('ActiveConnections', -1);
      this.deps.recorder.count('DisconnectSuccess');
    }
  }
}

function lowerCased(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}

/**
 * Subscribers with equal keys receive identical payloads for every event, so they share a plan.
 * The identity is compared without `sourceIp` (it does not reach subscription resolvers' rules).
 */
function groupKey(query: string, variables: unknown, operationName: string | null, auth: AuthSuccess): string {
  const { sourceIp: _ignored, ...who } = (auth.identity ?? {}) as Record<string, unknown>;
  return JSON.stringify([auth.mode, who, operationName, query, variables]);
}
