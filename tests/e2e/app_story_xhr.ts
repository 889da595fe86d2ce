/**
 * Runs the aws-amplify Storage client over XMLHttpRequest, as it runs in React Native and browsers.
 *
 * Why: Storage reports upload/download progress only through XHR events. Its Node build swaps the
 * XHR transfer handler for a fetch one that "does not support request&response progress tracking"
 * (node_modules/@aws-amplify/storage/dist/esm/providers/s3/utils/client/runtime/s3TransferHandler/fetch.mjs),
 * so under Node `uploadData({ options: { onProgress } })` never calls `onProgress`. An app resolves the
 * package's `browser` field (Metro does too) and gets `s3TransferHandler/xhr.mjs` instead. This module
 * does that same file swap with a Node resolve hook, and supplies the `XMLHttpRequest` Node lacks,
 * implemented over `node:https` (the local CA is trusted through NODE_EXTRA_CA_CERTS as for fetch).
 *
 * Import it before anything imports `aws-amplify/storage`: modules resolved earlier keep fetch.
 */
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { register } from 'node:module';

interface ProgressEventLike {
  type: string;
  target: unknown;
  lengthComputable: boolean;
  loaded: number;
  total: number;
}
type Listener = (this: unknown, ev: ProgressEventLike) => void;

/** Chunk size for request bodies: one upload `progress` event per chunk flushed to the socket. */
const UPLOAD_CHUNK = 64 * 1024;

class XhrEventTarget {
  private readonly listeners = new Map<string, Set<Listener>>();
  [handler: `on${string}`]: Listener | null | undefined;

  addEventListener(type: string, fn: Listener): void {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(fn);
  }

  removeEventListener(type: string, fn: Listener): void {
    this.listeners.get(type)?.delete(fn);
  }

  dispatch(type: string, progress: { loaded: number; total: number } = { loaded: 0, total: 0 }): void {
    const ev: ProgressEventLike = { type, target: this, lengthComputable: progress.total > 0, ...progress };
    this[`on${type}`]?.call(this, ev);
    for (const fn of [...(this.listeners.get(type) ?? [])]) fn.call(this, ev);
  }
}

/** The part of XMLHttpRequest the Storage client's XHR transfer handler uses, over node:http(s). */
export class NodeXMLHttpRequest extends XhrEventTarget {
  static readonly UNSENT = 0;
  static readonly OPENED = 1;
  static readonly HEADERS_RECEIVED = 2;
  static readonly LOADING = 3;
  static readonly DONE = 4;
  /** Requests sent through this class (lets a test prove the XHR path is the one in use). */
  static sent = 0;
  readonly UNSENT = 0;
  readonly OPENED = 1;
  readonly HEADERS_RECEIVED = 2;
  readonly LOADING = 3;
  readonly DONE = 4;

  readonly upload = new XhrEventTarget();
  readyState = 0;
  status = 0;
  statusText = '';
  responseType: '' | 'text' | 'blob' | 'arraybuffer' | 'json' = '';
  response: unknown = null;
  responseURL = '';
  withCredentials = false;
  timeout = 0;

  private method = 'GET';
  private url = '';
  private readonly requestHeaders: Record<string, string> = {};
  private responseHeaders: IncomingHttpHeaders = {};
  private text = '';
  private req?: ClientRequest;
  private aborted = false;

  get responseText(): string {
    if (this.responseType !== '' && this.responseType !== 'text') {
      throw new DOMException("responseText is only available when responseType is '' or 'text'", 'InvalidStateError');
    }
    return this.text;
  }

  open(method: string, url: string | URL): void {
    this.method = method.toUpperCase();
    this.url = String(url);
    this.setState(NodeXMLHttpRequest.OPENED);
  }

  setRequestHeader(name: string, value: string): void {
    const key = name.toLowerCase();
    this.requestHeaders[key] = key in this.requestHeaders ? `${this.requestHeaders[key]}, ${value}` : value;
  }

  getResponseHeader(name: string): string | null {
    const v = this.responseHeaders[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  }

  getAllResponseHeaders(): string {
    return Object.entries(this.responseHeaders)
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}\r\n`)
      .join('');
  }

  send(body?: Blob | ArrayBuffer | ArrayBufferView | string | null): void {
    NodeXMLHttpRequest.sent += 1;
    this.transfer(body ?? null).catch((err: unknown) => this.fail(err));
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.req?.destroy();
    if (this.readyState !== NodeXMLHttpRequest.UNSENT && this.readyState !== NodeXMLHttpRequest.DONE) {
      this.setState(NodeXMLHttpRequest.DONE);
      this.dispatch('abort');
      this.dispatch('loadend');
    }
    this.readyState = NodeXMLHttpRequest.UNSENT;
  }

  private setState(state: number): void {
    this.readyState = state;
    this.dispatch('readystatechange');
  }

  private async transfer(body: Blob | ArrayBuffer | ArrayBufferView | string | null): Promise<void> {
    const payload = await toBuffer(body);
    const url = new URL(this.url);
    const headers: Record<string, string> = { ...this.requestHeaders };
    if (payload.length > 0 || !['GET', 'HEAD'].includes(this.method)) headers['content-length'] = String(payload.length);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: this.method, headers });
    this.req = req;
    req.on('error', (err) => this.fail(err));
    req.on('response', (res) => {
      this.status = res.statusCode ?? 0;
      this.statusText = res.statusMessage ?? '';
      this.responseHeaders = res.headers;
      this.responseURL = this.url;
      this.setState(NodeXMLHttpRequest.HEADERS_RECEIVED);
      const total = Number(res.headers['content-length'] ?? 0);
      const chunks: Buffer[] = [];
      let loaded = 0;
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        loaded += chunk.length;
        if (this.readyState !== NodeXMLHttpRequest.LOADING) this.setState(NodeXMLHttpRequest.LOADING);
        this.dispatch('progress', { loaded, total });
      });
      res.on('error', (err) => this.fail(err));
      res.on('end', () => this.complete(Buffer.concat(chunks)));
    });

    this.upload.dispatch('loadstart', { loaded: 0, total: payload.length });
    for (let offset = 0; offset < payload.length; offset += UPLOAD_CHUNK) {
      const chunk = payload.subarray(offset, offset + UPLOAD_CHUNK);
      await new Promise<void>((resolve, reject) => req.write(chunk, (err) => (err ? reject(err) : resolve())));
      if (this.aborted) return;
      this.upload.dispatch('progress', { loaded: offset + chunk.length, total: payload.length });
    }
    if (payload.length > 0) {
      this.upload.dispatch('load', { loaded: payload.length, total: payload.length });
      this.upload.dispatch('loadend', { loaded: payload.length, total: payload.length });
    }
    req.end();
  }

  private complete(body: Buffer): void {
    if (this.aborted) return;
    const type = this.getResponseHeader('content-type') ?? '';
    if (this.responseType === 'blob') this.response = new Blob([body], { type });
    else if (this.responseType === 'arraybuffer') this.response = body.buffer.slice(body.byteOffset, body.byteOffset + body.length);
    else if (this.responseType === 'json') this.response = body.length ? (JSON.parse(body.toString('utf8')) as unknown) : null;
    else {
      this.text = body.toString('utf8');
      this.response = this.text;
    }
    this.setState(NodeXMLHttpRequest.DONE);
    this.dispatch('load', { loaded: body.length, total: body.length });
    this.dispatch('loadend', { loaded: body.length, total: body.length });
  }

  private fail(err: unknown): void {
    if (this.aborted || this.readyState === NodeXMLHttpRequest.DONE) return;
    this.status = 0;
    this.response = null;
    this.setState(NodeXMLHttpRequest.DONE);
    this.dispatch('error');
    this.dispatch('loadend');
    if (process.env.LOCAL_CLOUD_LOG === '1') console.warn(`[xhr] ${this.method} ${this.url}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function toBuffer(body: Blob | ArrayBuffer | ArrayBufferView | string | null): Promise<Buffer> {
  if (body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Blob) return Buffer.from(await body.arrayBuffer());
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return Buffer.from(body);
}

/** The same substitution as the package's `browser` field, done when Node resolves the file. */
const TRANSFER_HANDLER_HOOK = `
const FETCH = '/@aws-amplify/storage/dist/esm/providers/s3/utils/client/runtime/s3TransferHandler/fetch.mjs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  return resolved.url.endsWith(FETCH) ? { ...resolved, url: resolved.url.slice(0, -'fetch.mjs'.length) + 'xhr.mjs' } : resolved;
}
`;

const g = globalThis as Record<string, unknown>;
g.XMLHttpRequest = NodeXMLHttpRequest;
register(`data:text/javascript,${encodeURIComponent(TRANSFER_HANDLER_HOOK)}`);
