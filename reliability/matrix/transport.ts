/**
 * How the matrix talks to the local cloud. Queries and mutations go through the real `aws-amplify`
 * client (`generateClient` with the caller's authMode); the client is a singleton, so callers are
 * switched by a token provider and a credentials provider that hand it the current caller's tokens
 * and identity-pool credentials — no sign-out/sign-in between cases. Subscriptions of many callers
 * must be open at once to see who receives an event, which one singleton cannot do, so they go over
 * raw WebSockets speaking the client's protocol (`graphql-ws`, auth in the `header-…` subprotocol).
 */
import '../../tests/helpers/polyfills.js';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { generateClient } from 'aws-amplify/data';
import { downloadData, list, remove, uploadData } from 'aws-amplify/storage';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { configureAmplify, withStorageEndpoint } from '../../src/client/index.js';
import type { AmplifyOutputs } from '../../src/local/outputs.js';
import type { Caller } from './identities.js';

export type Transport = 'aws-amplify' | 'raw-ws';

/** What a call came back with: done, refused by authorization, or failed some other way. */
export type Outcome = { kind: 'ok'; data: unknown } | { kind: 'refused'; detail: string } | { kind: 'error'; detail: string };

const REFUSAL = /Unauthorized|Not Authorized|UnauthorizedException|AccessDenied|Forbidden|401|403/i;

function jwt(token: string) {
  return { payload: JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>, toString: () => token };
}

function classifyErrors(errors: { errorType?: string; message?: string }[]): Outcome {
  const text = errors.map((e) => `${e.errorType ?? ''}: ${e.message ?? ''}`).join('; ');
  return REFUSAL.test(text) ? { kind: 'refused', detail: text.slice(0, 200) } : { kind: 'error', detail: text.slice(0, 300) };
}

type ModelApi = Record<string, (...args: unknown[]) => Promise<{ data?: unknown; errors?: { errorType?: string; message?: string }[]; nextToken?: string | null }>>;

/** The real client, configured once; `call` runs one model operation as one caller. */
export class AmplifyData {
  private current: Caller | undefined;
  private readonly client: { models: Record<string, ModelApi> };

  constructor(outputs: AmplifyOutputs) {
    configureAmplify(outputs as Parameters<typeof configureAmplify>[0], {
      Auth: {
        tokenProvider: {
          getTokens: async () => {
            const c = this.current;
            if (c?.mode !== 'userPools' && c?.mode !== 'oidc') return null;
            const access = c?.token ?? c?.user?.accessToken;
            if (!access) return null;
            return { accessToken: jwt(access) as never, idToken: c?.user ? (jwt(c.user.idToken) as never) : undefined };
          },
        },
        credentialsProvider: {
          getCredentialsAndIdentityId: async () => {
            const iam = this.current?.iam;
            return iam ? { credentials: iam.credentials, identityId: iam.identityId } : undefined;
          },
          clearCredentialsAndIdentityId: () => {},
        },
      },
    });
    this.client = generateClient() as never;
  }

  /** The client's authMode for a caller; `none` sends no credentials at all. */
  static authMode(c: Caller): string {
    if (c.mode === 'userPools') return 'userPool';
    if (c.mode === 'iam') return 'iam';
    if (c.mode === 'apiKey') return 'apiKey';
    if (c.mode === 'function') return 'lambda';
    if (c.mode === 'oidc') return 'oidc';
    return 'none';
  }

  /**
   * One model operation as one caller. `list` and a secondary index's query field (`index`) follow
   * `nextToken` to the end and come back with every item.
   */
  async call(caller: Caller, model: string, op: 'create' | 'get' | 'update' | 'delete' | 'list', args: Record<string, unknown>, selectionSet: string[], index?: string): Promise<Outcome> {
    this.current = caller;
    const options: Record<string, unknown> = { authMode: AmplifyData.authMode(caller), selectionSet };
    if (caller.mode === 'function' && caller.token) options.authToken = caller.token;
    const api = this.client.models[model];
    try {
      if (op === 'list') {
        const items: unknown[] = [];
        let nextToken: string | null | undefined;
        do {
          const res = index ? await api[index](args, { ...options, limit: 1000, nextToken }) : await api.list({ ...options, limit: 1000, nextToken });
          if (res.errors?.length) return classifyErrors(res.errors);
          items.push(...((res.data as unknown[]) ?? []));
          nextToken = res.nextToken;
        } while (nextToken);
        return { kind: 'ok', data: items };
      }
      const res = await api[op](args, options);
      if (res.errors?.length) return classifyErrors(res.errors);
      return { kind: 'ok', data: res.data };
    } catch (err) {
      const e = err as Error & { errors?: { errorType?: string; message?: string }[] };
      if (e.errors?.length) return classifyErrors(e.errors);
      const text = `${e.name}: ${e.message}`;
      return REFUSAL.test(text) ? { kind: 'refused', detail: text.slice(0, 200) } : { kind: 'error', detail: text.slice(0, 300) };
    } finally {
      this.current = undefined;
    }
  }

  /** One Storage call as one caller (identity-pool credentials from the credentials provider). */
  async storage(caller: Caller, action: 'get' | 'write' | 'delete' | 'list', bucket: { bucketName: string; region: string }, path: string): Promise<Outcome> {
    this.current = caller;
    try {
      if (action === 'write') await uploadData({ path, data: `written by ${caller.name}`, options: withStorageEndpoint({ bucket }) }).result;
      else if (action === 'get') await (await downloadData({ path, options: withStorageEndpoint({ bucket }) }).result).body.text();
      else if (action === 'delete') await remove({ path, options: withStorageEndpoint({ bucket }) });
      else return { kind: 'ok', data: (await list({ path, options: withStorageEndpoint({ bucket, listAll: true as const }) })).items.map((i) => i.path) };
      return { kind: 'ok', data: null };
    } catch (err) {
      const e = err as Error & { $metadata?: { httpStatusCode?: number } };
      const text = `${e.name}: ${e.message} (${e.$metadata?.httpStatusCode ?? '-'})`;
      // A missing object is an allowed read: S3 answers AccessDenied instead when the read is not allowed.
      if (/NoSuchKey|NotFound|\(404\)/.test(text)) return { kind: 'ok', data: 'absent' };
      return REFUSAL.test(text) ? { kind: 'refused', detail: text.slice(0, 200) } : { kind: 'error', detail: text.slice(0, 300) };
    } finally {
      this.current = undefined;
    }
  }
}

/** The auth headers the client sends for a caller, for a request of `body` to `path`. */
export async function authHeaders(caller: Caller, graphqlUrl: string, region: string, path: string, body: string): Promise<Record<string, string>> {
  const url = new URL(graphqlUrl);
  const base: Record<string, string> = { accept: 'application/json, text/javascript', 'content-encoding': 'amz-1.0', 'content-type': 'application/json; charset=UTF-8', host: url.host };
  if (caller.mode === 'userPools' || caller.mode === 'oidc' || caller.mode === 'function') {
    const token = caller.token ?? caller.user?.accessToken;
    return token ? { ...base, Authorization: token } : base;
  }
  if (caller.mode === 'apiKey') return { ...base, 'x-api-key': caller.apiKey! };
  if (caller.mode === 'iam' && caller.iam) {
    const signer = new SignatureV4({ credentials: caller.iam.credentials, region, service: 'appsync', sha256: Sha256 });
    const signed = await signer.sign({ method: 'POST', protocol: 'https:', hostname: url.hostname, port: Number(url.port), path, headers: base, body });
    return signed.headers;
  }
  return base;
}

/** One subscriber over a raw socket: `started` says whether the API accepted it; `events` what it got. */
export interface Subscriber {
  caller: Caller;
  started: Outcome;
  events: Record<string, unknown>[];
  close(): void;
}

const SOCKET_WAIT_MS = 5000;

export async function subscribe(caller: Caller, opts: { graphqlUrl: string; region: string; caCertPath: string; query: string }): Promise<Subscriber> {
  const events: Record<string, unknown>[] = [];
  const connectAuth = await authHeaders(caller, opts.graphqlUrl, opts.region, '/graphql/connect', '{}');
  const protocols = ['graphql-ws', `header-${Buffer.from(JSON.stringify(connectAuth)).toString('base64url')}`];
  const ws = new WebSocket(`${opts.graphqlUrl.replace(/^https:/, 'wss:')}/realtime`, protocols, { ca: readFileSync(opts.caCertPath), handshakeTimeout: SOCKET_WAIT_MS });
  const close = () => {
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
  };
  const started = await new Promise<Outcome>((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'error', detail: 'no start_ack or error within 5 s' }), SOCKET_WAIT_MS);
    const done = (o: Outcome) => {
      clearTimeout(timer);
      resolve(o);
    };
    ws.on('error', (e) => done(REFUSAL.test(e.message) ? { kind: 'refused', detail: `socket: ${e.message}` } : { kind: 'error', detail: `socket: ${e.message}` }));
    ws.on('close', (code, reason) => done({ kind: 'refused', detail: `closed ${code} ${reason.toString()}` }));
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString()) as { type: string; id?: string; payload?: { data?: Record<string, unknown>; errors?: { errorType?: string; message?: string }[] } };
      if (msg.type === 'connection_ack') {
        const data = JSON.stringify({ query: opts.query, variables: {} });
        void authHeaders(caller, opts.graphqlUrl, opts.region, '/graphql', data).then((authorization) => ws.send(JSON.stringify({ id: '1', type: 'start', payload: { data, extensions: { authorization } } })));
      } else if (msg.type === 'connection_error') done(classifyErrors(msg.payload?.errors ?? [{ message: 'connection_error Unauthorized' }]));
      else if (msg.type === 'start_ack') done({ kind: 'ok', data: null });
      else if (msg.type === 'error') done(classifyErrors(msg.payload?.errors ?? [{ message: JSON.stringify(msg.payload) }]));
      else if (msg.type === 'data' && msg.payload?.data) events.push(...(Object.values(msg.payload.data) as Record<string, unknown>[]));
    });
  });
  return { caller, started, events, close };
}
