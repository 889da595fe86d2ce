/**
 * An HTTP CONNECT proxy (RFC 9110 §9.3.6) for devices that can be given a proxy but not a resolver:
 * `CONNECT <served AWS name>:443` is tunnelled to the local cloud's front door, which terminates TLS
 * with a certificate for that name; other hosts are refused unless passthrough is on. The proxy never
 * sees inside the TLS stream. Node's HTTP parser reads the request line and headers (size-limited).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect as tcpConnect, isIPv4, isIPv6, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../core/logger.js';

export const DEFAULT_PROXY_PORT = 20080;
const DEFAULT_MAX_HEADER_BYTES = 8 * 1024;
const DEFAULT_REQUEST_IDLE_MS = 10_000;
const DEFAULT_TUNNEL_IDLE_MS = 120_000;
const DEFAULT_MAX_CONNECTIONS = 256;
const UPSTREAM_CONNECT_MS = 10_000;

export interface ConnectProxyOptions {
  /** Whether a lower-cased host name (no trailing dot) is one of the local cloud's. */
  serves(host: string): boolean;
  /** Where served names go: the front door. */
  target: { host: string; port: number };
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 20080; 0 picks a free port. */
  port?: number;
  /** Tunnel hosts that are not served straight to them (default false: refused with 403). */
  passthrough?: boolean;
  /** Request line + headers; beyond it the answer is 431. Default 8 KiB. */
  maxHeaderBytes?: number;
  /** A connection that has not finished its request in this long is closed. Default 10 s. */
  requestIdleMs?: number;
  /** A tunnel with no traffic either way for this long is closed. Default 120 s. */
  tunnelIdleMs?: number;
  maxConnections?: number;
  log?: Logger;
}

export interface ConnectProxy {
  host: string;
  port: number;
  close(): Promise<void>;
}

export const SERVED_PORT = 443;

export async function startConnectProxy(opts: ConnectProxyOptions): Promise<ConnectProxy> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log;
  const tunnelIdleMs = opts.tunnelIdleMs ?? DEFAULT_TUNNEL_IDLE_MS;
  const sockets = new Set<Socket>();

  const server: Server = createServer({ maxHeaderSize: opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES });
  server.maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  // Socket inactivity before the request is complete; a tunnel sets its own timeout.
  server.setTimeout(opts.requestIdleMs ?? DEFAULT_REQUEST_IDLE_MS, (socket) => socket.destroy());
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.test(req.url ?? '');
    const body = absolute
      ? `This proxy only tunnels HTTPS: send CONNECT <host>:443 (AWS clients use HTTPS) ((local: plain-HTTP proxying of ${req.url} is not offered)).\n`
      : `This is the local cloud's CONNECT proxy: configure it as the HTTPS proxy of your device or client; it does not serve ${req.method} ${req.url} itself ((local)).\n`;
    res.writeHead(405, { 'content-type': 'text/plain; charset=utf-8', allow: 'CONNECT', connection: 'close', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    req.resume();
  });

  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const socket = client as Socket;
    // A client going away mid-request (resets, aborted tunnels) is routine, not worth a line.
    socket.on('error', () => socket.destroy());
    const authority = parseAuthority(req.url ?? '');
    if (!authority) {
      return refuse(socket, 400, 'Bad Request', `CONNECT needs a host:port target (e.g. CONNECT cognito-idp.us-east-1.amazonaws.com:443); got "${(req.url ?? '').slice(0, 200)}".\n`);
    }
    const served = opts.serves(authority.host);
    if (served && authority.port !== SERVED_PORT) {
      return refuse(socket, 403, 'Forbidden', `The local cloud serves ${authority.host} on port ${SERVED_PORT} only ((local: CONNECT to port ${authority.port} refused)).\n`);
    }
    if (!served && !opts.passthrough) {
      return refuse(
        socket,
        403,
        'Forbidden',
        `The local cloud proxies only the backend's AWS names ((local: ${authority.host} is not one of them; ` +
          `start with --proxy-passthrough to tunnel other hosts directly)).\n`,
      );
    }
    const upstreamAddress = served ? opts.target : authority;
    openTunnel(socket, head, upstreamAddress, served, tunnelIdleMs, log);
  });

  // The parser refused the request (bad syntax, oversized headers): answer once and close.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      refuse(socket, 431, 'Request Header Fields Too Large', `The request line and headers exceed ${opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES} bytes.\n`);
    } else {
      refuse(socket, 400, 'Bad Request', 'The request is not valid HTTP/1.1 (expected e.g. CONNECT host:443 HTTP/1.1).\n');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`Proxy port ${opts.port} on ${host} is already in use. Resolution: pick another with --proxy <port> (0 = any free port).`)
          : err,
      ),
    );
    server.listen(opts.port ?? DEFAULT_PROXY_PORT, host, () => resolve());
  });
  server.removeAllListeners('error');
  server.on('error', (err) => log?.warn(err.message));
  const port = (server.address() as { port: number }).port;

  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Tunnels are long-lived by nature: end them rather than wait.
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}

function openTunnel(client: Socket, head: Buffer, to: { host: string; port: number }, served: boolean, idleMs: number, log?: Logger): void {
  const upstream = tcpConnect({ host: to.host, port: to.port });
  let established = false;
  const connectTimer = setTimeout(() => upstream.destroy(new Error('connect timed out')), UPSTREAM_CONNECT_MS);
  upstream.once('connect', () => {
    clearTimeout(connectTimer);
    established = true;
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) upstream.write(head);
    client.setTimeout(idleMs, () => client.destroy());
    upstream.setTimeout(idleMs, () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  upstream.on('error', (err) => {
    clearTimeout(connectTimer);
    if (established) {
      client.destroy();
      return;
    }
    const what = served ? `the local cloud's front door at ${to.host}:${to.port}` : `${to.host}:${to.port}`;
    log?.warn(`cannot reach ${what}: ${err.message}`);
    refuse(client, 502, 'Bad Gateway', `The proxy could not reach ${what}: ${err.message} ((local)).\n`);
  });
  upstream.once('close', () => client.destroy());
  client.once('close', () => upstream.destroy());
}

function refuse(socket: Duplex, status: number, reason: string, body: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
  // A peer that never reads must not hold the socket open.
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** `host:port` (authority-form, RFC 9112 §3.2.3); a bracketed IPv6 literal is allowed. */
export function parseAuthority(target: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252}))):(\d{1,5})$/.exec(target);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  if (m[1] !== undefined) return isIPv6(m[1]) ? { host: m[1], port } : undefined;
  const host = m[2].toLowerCase().replace(/\.$/, '');
  if (/^[\d.]+$/.test(host) && !isIPv4(host)) return undefined;
  if (host.split('.').some((label) => label.length === 0 || label.length > 63)) return undefined;
  return { host, port };
}
