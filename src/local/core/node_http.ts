import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

/** A request or response of either protocol the front door speaks (HTTP/2's are Node's compat objects). */
export type NodeRequest = IncomingMessage | Http2ServerRequest;
export type NodeResponse = ServerResponse | Http2ServerResponse;

/** Headers HTTP/2 forbids (RFC 9113 §8.2.2): they describe an HTTP/1.1 connection. */
const CONNECTION_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/**
 * Conversions between Node's HTTP objects and WHATWG Request/Response that stream in both
 * directions with backpressure, so a 50 MB upload or download is never held in memory whole.
 */

const BODY_HIGH_WATER_BYTES = 1024 * 1024;

/** Builds a WHATWG Request whose body is a pull-driven stream over the socket. */
export function toWebRequest(req: NodeRequest, origin: string, signal?: AbortSignal): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    // HTTP/2's pseudo headers (:method, :path, :authority...) are the request line, not headers.
    if (raw[i].startsWith(':')) continue;
    headers.append(raw[i], raw[i + 1]);
  }
  // HTTP/2 carries the host as :authority; signatures (SigV4 signs `host`) and routing read Host.
  const authority = req.headers[':authority'];
  if (!headers.has('host') && typeof authority === 'string') headers.set('host', authority);
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(new URL(req.url ?? '/', origin), {
    method,
    headers,
    body: hasBody ? nodeStreamToWeb(req) : null,
    signal,
    // Required by undici for stream bodies: the request body streams while the response may start.
    duplex: 'half',
  } as RequestInit & { duplex: 'half' });
}

/** The request's authority: `Host` in HTTP/1.1, `:authority` in HTTP/2 (which may also send Host). */
export function authorityOf(req: NodeRequest): string | undefined {
  const authority = req.headers[':authority'];
  return (typeof authority === 'string' && authority) || req.headers.host;
}

/** How to throw away what a handler left unread of each request's body (see discardUnreadBody). */
const discarders = new WeakMap<NodeRequest, () => void>();

/**
 * Drops the rest of a request body the handler answered without reading (an unknown operation, a
 * refused signature): left paused, it would stall the keep-alive connection's next request.
 */
export function discardUnreadBody(req: NodeRequest): void {
  discarders.get(req)?.();
}

function nodeStreamToWeb(req: NodeRequest): ReadableStream<Uint8Array> {
  let closed = false;
  discarders.set(req, () => {
    if (req.readableEnded) return;
    closed = true;
    req.resume();
  });
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on('data', (chunk: Buffer) => {
          if (closed) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once('end', () => {
          if (closed) return;
          closed = true;
          controller.close();
        });
        req.once('error', (err) => {
          if (closed) return;
          closed = true;
          controller.error(err);
        });
        req.once('aborted', () => {
          if (closed) return;
          closed = true;
          controller.error(new Error('client aborted the request'));
        });
        req.pause();
      },
      pull() {
        req.resume();
      },
      cancel() {
        closed = true;
        // Let Node discard the rest of the body so the connection can be reused.
        req.resume();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: BODY_HIGH_WATER_BYTES }),
  );
}

/** Writes a WHATWG Response to Node's ServerResponse, honouring backpressure; resolves when done. */
export async function sendWebResponse(response: Response, res: NodeResponse, method: string): Promise<void> {
  const http2 = 'stream' in res;
  res.statusCode = response.status;
  // HTTP/2 has no reason phrase.
  if (response.statusText && !http2) res.statusMessage = response.statusText;
  const setCookies = response.headers.getSetCookie();
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie' || (http2 && CONNECTION_HEADERS.has(name))) return;
    res.setHeader(name, value);
  });
  if (setCookies.length) res.setHeader('set-cookie', setCookies);

  if (!response.body || method === 'HEAD') {
    await response.body?.cancel().catch(() => {});
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const onClose = () => void reader.cancel().catch(() => {});
  res.once('close', onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      if (!(res as ServerResponse).write(value)) {
        await new Promise<void>((resolve) => {
          const finish = () => {
            res.off('drain', finish);
            res.off('close', finish);
            resolve();
          };
          res.once('drain', finish);
          res.once('close', finish);
        });
      }
    }
    res.end();
  } catch (err) {
    // The body failed mid-stream: headers are gone, so the only honest signal is a broken connection.
    res.destroy(err instanceof Error ? err : new Error(String(err)));
  } finally {
    res.off('close', onClose);
  }
}
