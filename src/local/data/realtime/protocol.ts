/**
 * AppSync's realtime WebSocket protocol (`graphql-ws` subprotocol, AppSync dialect), as the
 * `aws-amplify` v6 client speaks it:
 *
 *   client                                   server
 *   ── connect, subprotocols [graphql-ws, header-<b64url(auth headers)>] (or ?header=&payload=)
 *   ── {type:'connection_init'}          →   {type:'connection_ack', payload:{connectionTimeoutMs}}
 *                                        ←   {type:'ka'} every minute
 *   ── {type:'start', id, payload:{data: JSON{query,variables}, extensions:{authorization}}}
 *                                        ←   {type:'start_ack', id} | {type:'error', id, payload:{errors}}
 *                                        ←   {type:'data', id, payload:{data}}
 *   ── {type:'stop', id}                 →   {type:'complete', id}
 */

export const SUBPROTOCOL = 'graphql-ws';
/** What AppSync announces in `connection_ack`; clients reconnect after this much silence. */
const CONNECTION_TIMEOUT_MS = 300_000;
export const KEEP_ALIVE_INTERVAL_MS = 60_000;

export interface WireError {
  errorType: string;
  message: string;
  errorCode?: number;
  [key: string]: unknown;
}

export type ClientMessage =
  | { type: 'connection_init'; payload?: unknown }
  | { type: 'start'; id: string; payload: { data: string; extensions?: { authorization?: Record<string, unknown> } } }
  | { type: 'stop'; id: string };

export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; id?: string; error: WireError };

/** Decodes a `header-<base64url>` subprotocol or `?header=` value into the auth header object. */
function decodeAuthHeader(encoded: string): Record<string, unknown> | undefined {
  try {
    // Node's base64 decoder accepts both alphabets, with or without padding.
    const value: unknown = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The auth headers a client presented at connect: from the subprotocol, else the query string. */
export function connectionAuthHeaders(protocols: readonly string[], url: URL): Record<string, unknown> | undefined {
  const fromProtocol = protocols.find((p) => p.startsWith('header-'));
  if (fromProtocol) return decodeAuthHeader(fromProtocol.slice('header-'.length));
  const fromQuery = url.searchParams.get('header');
  return fromQuery ? decodeAuthHeader(fromQuery) : undefined;
}

export function parseClientMessage(raw: string): ParsedClientMessage {
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    return { ok: false, error: { errorType: 'BadRequestException', message: 'Unable to parse the message as JSON.' } };
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    return { ok: false, error: { errorType: 'BadRequestException', message: 'The message must be a JSON object.' } };
  }
  const m = msg as Record<string, unknown>;
  const id = typeof m.id === 'string' ? m.id : undefined;
  switch (m.type) {
    case 'connection_init':
      return { ok: true, message: { type: 'connection_init', payload: m.payload } };
    case 'start': {
      const payload = m.payload as Record<string, unknown> | undefined;
      if (!id) return { ok: false, error: { errorType: 'BadRequestException', message: 'A start message needs an id.' } };
      if (typeof payload !== 'object' || payload === null || typeof payload.data !== 'string') {
        return { ok: false, id, error: { errorType: 'BadRequestException', message: 'A start message needs payload.data (a JSON string).' } };
      }
      return { ok: true, message: { type: 'start', id, payload: payload as { data: string; extensions?: { authorization?: Record<string, unknown> } } } };
    }
    case 'stop':
      if (!id) return { ok: false, error: { errorType: 'BadRequestException', message: 'A stop message needs an id.' } };
      return { ok: true, message: { type: 'stop', id } };
    default:
      return {
        ok: false,
        id,
        error: { errorType: 'UnsupportedOperation', message: `${String(m.type)} not supported through the realtime channel` },
      };
  }
}

export const serverMessage = {
  connectionAck: () => JSON.stringify({ type: 'connection_ack', payload: { connectionTimeoutMs: CONNECTION_TIMEOUT_MS } }),
  connectionError: (errors: WireError[]) => JSON.stringify({ type: 'connection_error', payload: { errors } }),
  /** AppSync's answer to a socket without the `graphql-ws` subprotocol: the error's name is its message. */
  protocolError: (name: 'NoProtocolError' | 'SubProtocolNotSupportedError') => JSON.stringify({ type: 'connection_error', payload: { errors: [{ message: name, errorCode: 400 }] } }),
  ka: () => '{"type":"ka"}',
  startAck: (id: string) => JSON.stringify({ type: 'start_ack', id }),
  error: (id: string | undefined, errors: WireError[]) => JSON.stringify(id === undefined ? { type: 'error', payload: { errors } } : { type: 'error', id, payload: { errors } }),
  complete: (id: string) => JSON.stringify({ type: 'complete', id }),
  /** `payloadJson` is serialized once per delivery and spliced in for each subscriber. */
  data: (id: string, payloadJson: string) => `{"id":${JSON.stringify(id)},"type":"data","payload":${payloadJson}}`,
};

/** Case-insensitive header lookup over a plain object (auth headers arrive as JSON). */
export function headerLookup(headers: Record<string, unknown>): (name: string) => string | undefined {
  const lower = new Map<string, string>();
  for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') lower.set(k.toLowerCase(), v);
  return (name) => lower.get(name.toLowerCase());
}
