/**
 * A tiny authoritative DNS server for the backend's AWS hostnames: it answers them with the local
 * cloud's address and refuses everything else (it forwards nothing, so a device pointed at it for
 * `amazonaws.com` only resolves what the local cloud serves). UDP and TCP on one port (RFC 1035
 * §4.2; TCP messages carry a two-byte length, RFC 7766 allows several per connection).
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv4, isIPv6, type Server, type Socket } from 'node:net';
import type { Logger } from '../core/logger.js';
import {
  DNS_CLASS,
  DNS_TYPE,
  DnsFormatError,
  encodeResponse,
  EDNS_UDP_SIZE,
  OPCODE_QUERY,
  parseHeader,
  parseQuery,
  PLAIN_UDP_LIMIT,
  RCODE,
  type DnsQuery,
  type ResourceRecord,
} from './dns_wire.js';

export const DEFAULT_DNS_PORT = 20053;
const DEFAULT_TTL_SECONDS = 5;
const DEFAULT_TCP_IDLE_MS = 10_000;
const DEFAULT_MAX_TCP_CONNECTIONS = 64;
const TCP_MAX_MESSAGE = 65_535;

export interface DnsAnswerConfig {
  /** Whether a lower-cased name (no trailing dot) is one of the local cloud's. */
  serves(name: string): boolean;
  /** The addresses served names resolve to (IPv4 → A, IPv6 → AAAA). */
  addresses: readonly string[];
  /** Default 5 s: short, so stopping the local cloud is noticed soon. */
  ttlSeconds?: number;
}

export interface DnsServerOptions extends DnsAnswerConfig {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 20053; 0 picks a free port (the same for UDP and TCP). */
  port?: number;
  /** A TCP connection silent this long is closed (RFC 7766 §6.2.3 suggests seconds). */
  tcpIdleMs?: number;
  maxTcpConnections?: number;
  log?: Logger;
}

export interface DnsServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The answer to one message, or undefined when none is due: responses (QR set, never answered, so two
 * servers cannot ping-pong) and packets too short to carry an id.
 */
export function answerDnsMessage(packet: Buffer, config: DnsAnswerConfig, transport: 'udp' | 'tcp'): Buffer | undefined {
  const header = parseHeader(packet);
  if (!header || header.qr) return undefined;
  const plainLimit = transport === 'tcp' ? TCP_MAX_MESSAGE : PLAIN_UDP_LIMIT;
  if (header.opcode !== OPCODE_QUERY) {
    return encodeResponse({ header, rcode: RCODE.NOTIMP, aa: false, maxBytes: plainLimit });
  }
  let query: DnsQuery;
  try {
    query = parseQuery(packet, header);
  } catch (err) {
    if (!(err instanceof DnsFormatError)) throw err;
    return encodeResponse({ header, rcode: err.rcode, aa: false, maxBytes: plainLimit });
  }
  const edns = query.opt !== undefined;
  const maxBytes = transport === 'tcp' ? TCP_MAX_MESSAGE : Math.min(query.opt?.udpSize ?? PLAIN_UDP_LIMIT, EDNS_UDP_SIZE);
  const { question } = query;
  const reply = (rcode: number, aa: boolean, answers: ResourceRecord[] = []) =>
    encodeResponse({ header, rcode, aa, question, answers, edns, maxBytes });

  if (query.opt && query.opt.version !== 0) return reply(RCODE.BADVERS, false);
  const classOk = question.qclass === DNS_CLASS.IN || question.qclass === DNS_CLASS.ANY;
  if (!classOk || !config.serves(question.name)) return reply(RCODE.REFUSED, false);

  const ttl = config.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  const wantsA = question.type === DNS_TYPE.A || question.type === DNS_TYPE.ANY;
  const wantsAaaa = question.type === DNS_TYPE.AAAA || question.type === DNS_TYPE.ANY;
  const answers: ResourceRecord[] = [];
  for (const address of config.addresses) {
    if (wantsA && isIPv4(address)) answers.push({ type: DNS_TYPE.A, ttl, data: ipv4Bytes(address) });
    if (wantsAaaa && isIPv6(address)) answers.push({ type: DNS_TYPE.AAAA, ttl, data: ipv6Bytes(address) });
  }
  // A served name with no record of the asked type is NOERROR with no answers ("no data"), not
  // NXDOMAIN: the name exists, and a client asking AAAA first must go on to ask A.
  return reply(RCODE.NOERROR, true, answers);
}

export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!isIPv4(host) && !isIPv6(host)) throw new TypeError(`the DNS server binds an IP address; got "${host}"`);
  for (const a of opts.addresses) if (!isIPv4(a) && !isIPv6(a)) throw new TypeError(`DNS answers must be IP addresses; got "${a}"`);
  const log = opts.log;
  const answer = (packet: Buffer, transport: 'udp' | 'tcp') => {
    try {
      return answerDnsMessage(packet, opts, transport);
    } catch (err) {
      // Our bug, not the sender's: log it and stay up.
      log?.error(`answering failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return undefined;
    }
  };

  const requested = opts.port ?? DEFAULT_DNS_PORT;
  // With port 0 the free UDP port may be taken on TCP: try a few times.
  for (let attempt = 0; ; attempt++) {
    const udp = await bindUdp(host, requested, answer, log);
    const port = udp.address().port;
    try {
      const tcp = await bindTcp(host, port, answer, opts.tcpIdleMs ?? DEFAULT_TCP_IDLE_MS, opts.maxTcpConnections ?? DEFAULT_MAX_TCP_CONNECTIONS, log);
      let closing: Promise<void> | undefined;
      return {
        host,
        port,
        close() {
          closing ??= Promise.all([new Promise<void>((resolve) => udp.close(() => resolve())), tcp.close()]).then(() => undefined);
          return closing;
        },
      };
    } catch (err) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      if (requested !== 0 || attempt >= 4 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw portError(err, host, port);
    }
  }
}

function portError(err: unknown, host: string, port: number): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new Error(`DNS port ${port} on ${host} is already in use. Resolution: pick another with --dns <port> (0 = any free port).`);
  }
  if (code === 'EACCES' && port < 1024) {
    return new Error(
      `Binding DNS port ${port} on ${host} needs privileges. Resolution: use a port above 1023 (default ${DEFAULT_DNS_PORT}), ` +
        'or allow Node to bind low ports (Linux: sudo setcap cap_net_bind_service=+ep "$(command -v node)").',
    );
  }
  return err as Error;
}

function bindUdp(host: string, port: number, answer: (p: Buffer, t: 'udp') => Buffer | undefined, log?: Logger): Promise<UdpSocket> {
  const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
  socket.on('message', (msg: Buffer, from: RemoteInfo) => {
    const reply = answer(msg, 'udp');
    if (reply) socket.send(reply, from.port, from.address, (err) => err && log?.warn(`reply to ${from.address} failed: ${err.message}`));
  });
  return new Promise((resolve, reject) => {
    socket.once('error', (err) => reject(portError(err, host, port)));
    socket.bind(port, host, () => {
      socket.removeAllListeners('error');
      // After binding, errors are per datagram (e.g. ICMP unreachable surfacing): never fatal.
      socket.on('error', (err) => log?.warn(`udp: ${err.message}`));
      resolve(socket);
    });
  });
}

function bindTcp(
  host: string,
  port: number,
  answer: (p: Buffer, t: 'tcp') => Buffer | undefined,
  idleMs: number,
  maxConnections: number,
  log?: Logger,
): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serveTcp(socket, answer, idleMs);
  });
  server.maxConnections = maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', (err) => log?.warn(`tcp: ${err.message}`));
      resolve({
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const s of sockets) s.destroy();
          }),
      });
    });
  });
}

/** Reads length-prefixed messages in order; anything that is no DNS message ends the connection. */
function serveTcp(socket: Socket, answer: (p: Buffer, t: 'tcp') => Buffer | undefined, idleMs: number): void {
  let pending = Buffer.alloc(0);
  socket.setTimeout(idleMs, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 2) {
      const length = pending.readUInt16BE(0);
      if (pending.length < 2 + length) return;
      const message = pending.subarray(2, 2 + length);
      pending = pending.subarray(2 + length);
      const reply = answer(message, 'tcp');
      if (!reply) {
        socket.destroy();
        return;
      }
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(reply.length, 0);
      // A client that sends faster than it reads waits for us, not the other way round.
      if (!socket.write(Buffer.concat([prefix, reply]))) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    }
  });
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

function ipv6Bytes(address: string): Buffer {
  let text = address.split('%')[0];
  // An embedded IPv4 tail (::ffff:127.0.0.1) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = ipv4Bytes(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const groups = [...headGroups, ...fill, ...tailGroups];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
