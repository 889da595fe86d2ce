/**
 * Runs fuzz targets against a live local cloud over real HTTPS and judges every reply: no 5xx, no
 * dropped connection, errors in the service's own shape, and the server still healthy after each
 * batch. Failures carry the case seed that reproduces them.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { caseSeed, Rng } from './rng.js';
import type { Credentials, ErrorShape, FuzzEnv, FuzzRequest, FuzzTarget } from './targets.js';

export interface FuzzFailure {
  target: string;
  seed: number;
  reason: string;
  request: { method: string; path: string; bodyBytes: number };
}

export interface TargetReport {
  target: string;
  cases: number;
  /** Replies by class: 2xx, 3xx, 4xx (5xx are failures). */
  byClass: Record<string, number>;
  /** Cases the client library refused to send (e.g. a header Node rejects): not the server's fault. */
  unsendable: number;
}

export interface FuzzReport {
  targets: TargetReport[];
  failures: FuzzFailure[];
  healthChecks: number;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const REQUEST_TIMEOUT_MS = 30_000;

export class FuzzClient {
  private readonly agent: https.Agent;
  private readonly url: URL;

  constructor(
    private readonly env: FuzzEnv,
    caCertPath: string,
  ) {
    this.url = new URL(env.endpoint);
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 4, ca: readFileSync(caCertPath) });
  }

  close(): void {
    this.agent.destroy();
  }

  async send(req: FuzzRequest): Promise<Reply> {
    const headers = { ...req.headers };
    // Node frames GET/DELETE bodies only with an explicit length, as every HTTP client does.
    if (req.body) headers['content-length'] = String(req.body.length);
    if (req.sign && this.env.credentials) Object.assign(headers, await sign(req, this.url, this.env.model.region, this.env.credentials));
    return new Promise<Reply>((resolve, reject) => {
      const r = https.request(
        { host: this.url.hostname, port: Number(this.url.port), method: req.method, path: req.path, headers: { host: this.url.host, ...headers }, agent: this.agent, timeout: REQUEST_TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      r.on('timeout', () => r.destroy(new Error(`no reply within ${REQUEST_TIMEOUT_MS} ms`)));
      r.on('error', reject);
      r.end(req.body);
    });
  }

  async healthy(): Promise<boolean> {
    try {
      const res = await this.send({ method: 'GET', path: '/_local/health', headers: {} });
      return res.status === 200;
    } catch {
      return false;
    }
  }
}

async function sign(req: FuzzRequest, url: URL, region: string, credentials: Credentials): Promise<Record<string, string>> {
  const [pathname, search = ''] = req.path.split('?', 2);
  const query: Record<string, string> = {};
  for (const part of search.split('&').filter(Boolean)) {
    const [k, v = ''] = part.split('=', 2);
    query[safeDecode(k)] = safeDecode(v);
  }
  const signer = new SignatureV4({ credentials, region, service: req.sign!.service, sha256: Sha256, uriEscapePath: req.sign!.uriEscapePath });
  const signed = await signer.sign({
    method: req.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: safeDecode(pathname),
    query,
    headers: { host: url.host, ...req.headers },
    body: req.body,
  });
  return signed.headers;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Why a reply breaks the rules, or undefined when it is fine. */
export function judge(shape: ErrorShape, method: string, reply: Reply): string | undefined {
  // S3's own answer to a feature it does not implement is 501 NotImplemented: AWS's shape, not a fault.
  const notImplemented = shape === 's3-xml' && reply.status === 501 && reply.body.includes('<Code>NotImplemented</Code>');
  if (reply.status >= 500 && !notImplemented) return `status ${reply.status}: ${reply.body.toString('utf8').slice(0, 300)}`;
  if (reply.status < 400 || method === 'HEAD') return undefined;
  const text = reply.body.toString('utf8');
  if (shape === 'query-xml') {
    return /<ErrorResponse[\s>][\s\S]*<Error>[\s\S]*<Code>[^<]+<\/Code>[\s\S]*<Message>/.test(text) || reply.headers['x-amzn-errortype'] ? undefined : `${reply.status} without the Query protocol's <ErrorResponse><Error><Code>: ${text.slice(0, 200)}`;
  }
  if (shape === 's3-xml') {
    if (reply.headers['x-amzn-errortype']) return undefined; // a JSON service answered on S3's port (routed by target header)
    return /<Error>[\s\S]*<Code>[^<]+<\/Code>/.test(text) ? undefined : `${reply.status} without S3's <Error><Code>: ${text.slice(0, 200)}`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `${reply.status} with a body that is not JSON: ${text.slice(0, 200)}`;
  }
  const obj = (parsed ?? {}) as Record<string, unknown>;
  if (shape === 'graphql' && Array.isArray(obj.errors) && obj.errors.length) return undefined;
  const named = typeof obj.__type === 'string' || typeof reply.headers['x-amzn-errortype'] === 'string';
  const said = typeof obj.message === 'string' || typeof obj.Message === 'string';
  return named && said ? undefined : `${reply.status} without the service's error name and message: ${text.slice(0, 200)}`;
}

/** Runs `cases` seeded cases per target, in batches, with a health check after each batch. */
export async function runFuzz(
  env: FuzzEnv,
  targets: FuzzTarget[],
  opts: { caCertPath: string; seed: number; cases: number; batch?: number; only?: { target: string; seed: number }[] },
): Promise<FuzzReport> {
  const client = new FuzzClient(env, opts.caCertPath);
  const report: FuzzReport = { targets: [], failures: [], healthChecks: 0 };
  const batch = opts.batch ?? 50;
  try {
    for (const target of targets) {
      const seeds = opts.only ? opts.only.filter((o) => o.target === target.name).map((o) => o.seed) : Array.from({ length: opts.cases }, (_, i) => caseSeed(opts.seed, target.name, i));
      const tr: TargetReport = { target: target.name, cases: 0, byClass: {}, unsendable: 0 };
      for (let i = 0; i < seeds.length; i++) {
        const seed = seeds[i];
        const req = target.request(new Rng(seed));
        const summary = { method: req.method, path: req.path.slice(0, 200), bodyBytes: req.body?.length ?? 0 };
        tr.cases++;
        try {
          const reply = await client.send(req);
          const klass = `${Math.floor(reply.status / 100)}xx`;
          tr.byClass[klass] = (tr.byClass[klass] ?? 0) + 1;
          const why = judge(target.shape, req.method, reply);
          if (why) report.failures.push({ target: target.name, seed, reason: why, request: summary });
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          if (e.code === 'ERR_INVALID_CHAR' || e.code === 'ERR_UNESCAPED_CHARACTERS' || e.code === 'ERR_HTTP_INVALID_HEADER_VALUE' || e.code === 'ERR_INVALID_HTTP_TOKEN') tr.unsendable++;
          else report.failures.push({ target: target.name, seed, reason: `connection: ${e.code ?? ''} ${e.message}`, request: summary });
        }
        if ((i + 1) % batch === 0 || i === seeds.length - 1) {
          report.healthChecks++;
          if (!(await client.healthy())) {
            report.failures.push({ target: target.name, seed, reason: 'health check failed after this batch', request: summary });
            report.targets.push(tr);
            return report;
          }
        }
      }
      report.targets.push(tr);
    }
  } finally {
    client.close();
  }
  return report;
}
