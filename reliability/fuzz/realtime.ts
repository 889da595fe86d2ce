/**
 * Fuzzes the AppSync real-time socket: each connection authenticates as the client does (SigV4 over
 * `/graphql/connect` in the `header-…` subprotocol), then sends damaged frames. The server may
 * answer with protocol errors or close with a code; it may not drop the socket without a close
 * frame, and a fresh connection must still be acknowledged afterwards.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { jsonBody, mutateBytes, mutateJson, randomValue } from './mutate.js';
import { caseSeed, Rng } from './rng.js';
import type { FuzzFailure } from './runner.js';
import type { FuzzEnv } from './targets.js';

const FRAMES_PER_CONNECTION = 12;

async function connectHeaders(env: FuzzEnv): Promise<Record<string, string>> {
  const url = new URL(env.outputs.data!.url);
  const base = { accept: 'application/json, text/javascript', 'content-encoding': 'amz-1.0', 'content-type': 'application/json; charset=UTF-8', host: url.host };
  if (!env.credentials) return base;
  const signer = new SignatureV4({ credentials: env.credentials, region: env.model.region, service: 'appsync', sha256: Sha256 });
  const signed = await signer.sign({ method: 'POST', protocol: 'https:', hostname: url.hostname, port: Number(url.port), path: '/graphql/connect', headers: base, body: '{}' });
  return signed.headers;
}

function frame(rng: Rng, auth: Record<string, string>, modelNames: string[]): Buffer | string {
  const id = rng.chance(0.8) ? `s${rng.int(4)}` : (randomValue(rng, 1) as string);
  const name = modelNames.length ? rng.pick(modelNames) : 'Thing';
  const start = { id, type: 'start', payload: { data: JSON.stringify({ query: `subscription { onCreate${name} { id } }`, variables: {} }), extensions: { authorization: auth } } };
  const candidates: unknown[] = [{ type: 'connection_init' }, start, { id, type: 'stop' }, { type: 'ka' }, { type: 'connection_terminate' }];
  switch (rng.int(5)) {
    case 0:
      return JSON.stringify(rng.pick(candidates));
    case 1:
      return JSON.stringify(mutateJson(rng.pick(candidates), rng));
    case 2:
      return jsonBody(mutateJson(start, rng), rng).toString('utf8');
    case 3:
      return mutateBytes(Buffer.from(JSON.stringify(start)), rng);
    default:
      return JSON.stringify({ ...start, payload: { ...start.payload, data: rng.pick(['{', JSON.stringify({ query: '{'.repeat(5000) }), JSON.stringify({ query: `subscription { onCreate${name} { ${'id '.repeat(20000)} } }` })]) } });
  }
}

function open(url: string, protocols: string[], ca: Buffer): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { ca, handshakeTimeout: 10_000 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** `connections` sockets, each with a burst of damaged frames; returns what broke the rules. */
export async function fuzzRealtime(env: FuzzEnv, opts: { caCertPath: string; seed: number; connections: number }): Promise<{ cases: number; failures: FuzzFailure[]; closeCodes: Record<string, number> }> {
  const failures: FuzzFailure[] = [];
  const closeCodes: Record<string, number> = {};
  if (!env.outputs.data) return { cases: 0, failures, closeCodes };
  const ca = readFileSync(opts.caCertPath);
  const url = `${env.outputs.data.url.replace(/^https:/, 'wss:')}/realtime`;
  const auth = await connectHeaders(env);
  const protocols = ['graphql-ws', `header-${Buffer.from(JSON.stringify(auth)).toString('base64url')}`];
  const modelNames = Object.keys((env.outputs.data.model_introspection as { models?: object } | undefined)?.models ?? {});
  for (let c = 0; c < opts.connections; c++) {
    const seed = caseSeed(opts.seed, 'realtime', c);
    const rng = new Rng(seed);
    const summary = { method: 'WS', path: '/graphql/realtime', bodyBytes: 0 };
    let ws: WebSocket;
    try {
      ws = await open(url, protocols, ca);
    } catch (err) {
      failures.push({ target: 'realtime', seed, reason: `could not connect: ${(err as Error).message}`, request: summary });
      continue;
    }
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    let socketError: Error | undefined;
    ws.on('error', (e) => (socketError = e));
    ws.send(JSON.stringify({ type: 'connection_init' }));
    for (let f = 0; f < FRAMES_PER_CONNECTION && ws.readyState === WebSocket.OPEN; f++) {
      const data = frame(rng, auth, modelNames);
      summary.bodyBytes += data.length;
      ws.send(data, { binary: rng.chance(0.1) });
      await new Promise((r) => setTimeout(r, 2));
    }
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    const code = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
    closeCodes[code] = (closeCodes[code] ?? 0) + 1;
    if (code === 1006 || code === -1) failures.push({ target: 'realtime', seed, reason: code === -1 ? 'socket never closed' : 'socket dropped without a close frame (1006)', request: summary });
    if (socketError && !/close/i.test(socketError.message)) failures.push({ target: 'realtime', seed, reason: `socket error: ${socketError.message}`, request: summary });
  }
  // A well-formed client still gets in afterwards.
  try {
    const ws = await open(url, protocols, ca);
    const acked = new Promise<boolean>((resolve) => {
      ws.on('message', (m) => (JSON.parse(m.toString()) as { type?: string }).type === 'connection_ack' && resolve(true));
      setTimeout(() => resolve(false), 5000);
    });
    ws.send(JSON.stringify({ type: 'connection_init' }));
    if (!(await acked)) failures.push({ target: 'realtime', seed: 0, reason: 'a clean connection was not acknowledged after the fuzz', request: { method: 'WS', path: '/graphql/realtime', bodyBytes: 0 } });
    ws.close(1000);
  } catch (err) {
    failures.push({ target: 'realtime', seed: 0, reason: `a clean connection failed after the fuzz: ${(err as Error).message}`, request: { method: 'WS', path: '/graphql/realtime', bodyBytes: 0 } });
  }
  return { cases: opts.connections, failures, closeCodes };
}
