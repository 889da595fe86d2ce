import type { IncomingMessage } from 'node:http';
import { createSecureServer, type ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from './logger.js';
import { authorityOf, discardUnreadBody, sendWebResponse, toWebRequest, type NodeRequest, type NodeResponse } from './node_http.js';
import { rawPathOfTarget, setRequestInfo } from './request_info.js';
import type { UpgradeRequest } from './service.js';

export interface FrontDoorOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  cert: string;
  key: string;
  /** Picks the certificate by the name the client asks for (SNI); without it every name gets `cert`. */
  sniCallback?: import('node:tls').TlsOptions['SNICallback'];
  /** Routes a request; must not throw (the router turns faults into 500s). */
  handle(req: Request): Promise<Response>;
  /** Offers a WebSocket upgrade; false when nobody takes it. */
  upgrade(req: UpgradeRequest): boolean;
  log: Logger;
}

export interface FrontDoor {
  port: number;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then drops every connection. */
  close(graceMs?: number): Promise<void>;
}

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(readonly host: string, readonly port: number) {
    super(
      `Port ${port} on ${host} is already in use (is another local cloud running?). ` +
        'Resolution: stop it, or start with --port <n> (or --port 0 for any free port).',
    );
  }
}

/**
 * The one HTTPS port every service sits behind: Node sockets in, WHATWG Request/Response inside.
 * It speaks HTTP/1.1 and HTTP/2 (negotiated by ALPN), so SDK clients that default to HTTP/2, such
 * as Kinesis's in Node, work with their default handler. WebSockets upgrade over HTTP/1.1.
 */
export async function listenFrontDoor(opts: FrontDoorOptions): Promise<FrontDoor> {
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let idleWaiter: (() => void) | undefined;

  const sessions = new Set<ServerHttp2Session>();
  const server = createSecureServer({ cert: opts.cert, key: opts.key, allowHTTP1: true, SNICallback: opts.sniCallback }, (req, res) => {
    inFlight++;
    void serve(req, res).finally(() => {
      inFlight--;
      if (inFlight === 0) idleWaiter?.();
    });
  });
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });

  const endpointOrigin = () => `https://${formatHost(opts.host)}:${(server.address() as { port: number }).port}`;

  async function serve(req: NodeRequest, res: NodeResponse): Promise<void> {
    const aborted = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) aborted.abort();
    });
    let request: Request;
    try {
      request = toWebRequest(req, originFor(req), aborted.signal);
    } catch (err) {
      // WHATWG refuses some requests Node parsed (TRACE, TRACK, CONNECT; odd header values): the
      // client's doing, so a 4xx, never a fault.
      refuseUnconvertible(req, res, err);
      discardUnreadBody(req);
      return;
    }
    try {
      // req.url is the request target as sent (HTTP/2: `:path`); the WHATWG URL has resolved dot segments.
      setRequestInfo(request, { remoteAddress: req.socket.remoteAddress, rawPath: rawPathOfTarget(req.url) });
      const response = await opts.handle(request);
      await sendWebResponse(response, res, req.method ?? 'GET');
    } catch (err) {
      opts.log.error(`front door: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ __type: 'InternalFailure', message: 'The local cloud failed to process the request' }));
      } else {
        res.destroy();
      }
    } finally {
      discardUnreadBody(req);
    }
  }

  function originFor(req: NodeRequest): string {
    const host = authorityOf(req);
    if (host) {
      try {
        return new URL(`https://${host}`).origin;
      } catch {
        // a malformed Host header: fall back to our own address
      }
    }
    return endpointOrigin();
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', originFor(req));
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    let taken = false;
    try {
      taken = opts.upgrade({ url, headers, raw: { req, socket, head } });
    } catch (err) {
      opts.log.error(`upgrade ${url.pathname} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    if (!taken && !socket.destroyed) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  });

  // Every TCP connection, from accept on: one still in its TLS handshake also holds close() open.
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // Bad handshakes (an untrusted CA on the client, plain HTTP on the TLS port) are the client's problem.
  server.on('tlsClientError', (err: Error) => opts.log.warn(`TLS handshake failed: ${err.message}`));
  // A request Node cannot parse (bad framing, oversized headers) gets the status Node itself would
  // answer, then the connection closes; a connection already gone is just dropped.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(opts.host, opts.port) : err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(opts.port, opts.host);
  });
  const port = (server.address() as { port: number }).port;

  let closing: Promise<void> | undefined;
  return {
    port,
    close(graceMs = 2000) {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Idle connections are held open by clients (keep-alive, HTTP/2 sessions): let them go now.
        for (const session of sessions) session.close();
        if (inFlight > 0) {
          await Promise.race([
            new Promise<void>((resolve) => (idleWaiter = resolve)),
            new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
          ]);
        }
        // Upgraded (WebSocket), busy and half-open sockets would keep close() waiting forever.
        for (const socket of sockets) socket.destroy();
        let timer: NodeJS.Timeout | undefined;
        const stuck = await Promise.race([
          closed.then(() => false),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs).unref())),
        ]);
        clearTimeout(timer);
        if (stuck) opts.log.warn(`the HTTPS port did not close within ${graceMs} ms of dropping its ${sockets.size} connection(s); stopping anyway`);
      })();
      return closing;
    },
  };
}

export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Methods a WHATWG Request cannot carry; no AWS API uses them. */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

function refuseUnconvertible(req: NodeRequest, res: NodeResponse, err: unknown): void {
  const method = (req.method ?? '').toUpperCase();
  const notAllowed = FORBIDDEN_METHODS.has(method);
  res.statusCode = notAllowed ? 405 : 400;
  if (notAllowed) res.setHeader('allow', 'GET, HEAD, PUT, POST, DELETE, OPTIONS, PATCH');
  res.setHeader('content-type', 'application/json');
  const message = notAllowed
    ? `${method} is not allowed ((local: no AWS API the local cloud serves answers ${method}))`
    : `The request cannot be processed: ${err instanceof Error ? err.message : String(err)}`;
  res.end(JSON.stringify({ __type: notAllowed ? 'MethodNotAllowedException' : 'BadRequestException', message }));
}
