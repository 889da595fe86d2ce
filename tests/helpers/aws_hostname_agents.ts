/**
 * HTTPS agents that reach the local cloud the way a routed device does, for SDK clients left on their
 * default (real AWS) endpoints: through the CONNECT proxy, or through our DNS server. TLS is verified
 * normally (the local CA through NODE_EXTRA_CA_CERTS), against the AWS hostname the SDK asked for.
 */
import { promises as dnsPromises, type LookupAddress } from 'node:dns';
import { Agent, type AgentOptions, type RequestOptions } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';

type CreateCallback = (err: Error | null, stream: Duplex) => void;

/** An agent whose every connection is `CONNECT host:port` through the proxy, then TLS inside the tunnel. */
export class ConnectProxyAgent extends Agent {
  /** The CONNECT targets sent, in order (tests check the SDK's hostnames went through). */
  readonly targets: string[] = [];

  constructor(
    private readonly proxy: { host: string; port: number },
    options: AgentOptions = {},
  ) {
    super({ keepAlive: false, ...options });
  }

  override createConnection(options: RequestOptions, callback?: CreateCallback): undefined {
    const host = options.host ?? 'localhost';
    const port = Number(options.port ?? 443);
    const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.targets.push(target);
    const socket = tcpConnect(this.proxy.port, this.proxy.host);
    let head = '';
    const fail = (err: Error) => {
      socket.destroy();
      callback?.(err, socket);
    };
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.off('error', fail);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
      if (status !== '200') return fail(new Error(`proxy refused CONNECT ${target}: ${head.split('\r\n')[0]} ${head.slice(end + 4).trim()}`));
      const tls: TLSSocket = tlsConnect({ ...(options as ConnectionOptions), host, port, socket, servername: (options as ConnectionOptions).servername ?? host });
      callback?.(null, tls);
    };
    socket.on('data', onData);
    socket.once('error', fail);
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
    return undefined;
  }
}

/**
 * An agent resolving names through our DNS server only (as a device whose resolver points there), and
 * connecting to `portMap[port] ?? port`: stands in for the 443 → front-door-port redirect a device
 * setup adds (README: Routing a device), since a test cannot bind port 443.
 */
export class DnsRoutedAgent extends Agent {
  /** The names looked up, in order. */
  readonly lookups: string[];
  private readonly portMap: Record<number, number>;

  constructor(dns: { host: string; port: number }, portMap: Record<number, number>, options: AgentOptions = {}) {
    const resolver = new dnsPromises.Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`${dns.host}:${dns.port}`]);
    const lookups: string[] = [];
    super({
      keepAlive: false,
      ...options,
      lookup: ((hostname: string, opts: { all?: boolean }, cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
        lookups.push(hostname);
        resolver.resolve4(hostname).then(
          (addresses) => (opts.all ? cb(null, addresses.map((address) => ({ address, family: 4 }))) : cb(null, addresses[0], 4)),
          (err: Error) => cb(err, opts.all ? [] : ''),
        );
      }) as AgentOptions['lookup'],
    });
    this.lookups = lookups;
    this.portMap = portMap;
  }

  override createConnection(options: RequestOptions, callback?: CreateCallback): Duplex | null | undefined {
    const port = Number(options.port ?? 443);
    // servername stays the AWS hostname: the front door picks the certificate by SNI.
    const servername = (options as ConnectionOptions).servername ?? options.host ?? undefined;
    return super.createConnection({ ...options, port: this.portMap[port] ?? port, servername } as RequestOptions, callback);
  }
}
