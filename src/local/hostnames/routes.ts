/**
 * The two ways a device reaches the local cloud under the backend's AWS hostnames: a DNS server that
 * resolves them to the front door's address, and a CONNECT proxy that tunnels them to the front door.
 * Both refuse every other name, so nothing else a device does is touched (or leaked through here).
 */
import type { Logger } from '../core/logger.js';
import { formatHost } from '../core/server.js';
import { startDnsServer, type DnsServer } from './dns.js';
import { SERVED_PORT, startConnectProxy, type ConnectProxy } from './proxy.js';

export interface HostnameRoutesOptions {
  /** Start the DNS server (default 127.0.0.1:20053). */
  dns?: {
    host?: string;
    port?: number;
    /** The address served names resolve to; default the front door's (127.0.0.1 when it binds all interfaces). */
    answer?: string;
  };
  /** Start the CONNECT proxy (default 127.0.0.1:20080). */
  proxy?: { host?: string; port?: number; passthrough?: boolean };
}

export interface HostnameRoutes {
  dns?: { host: string; port: number; answer: string };
  proxy?: { host: string; port: number; passthrough: boolean };
  /** Banner lines. */
  describe(): string[];
  close(): Promise<void>;
}

export async function startHostnameRoutes(opts: {
  options: HostnameRoutesOptions;
  /** The served AWS names (lowercase, no trailing dot). */
  names: readonly string[];
  serves(host: string): boolean;
  frontDoor: { host: string; port: number };
  log?: Logger;
}): Promise<HostnameRoutes> {
  const target = { host: reachableAddress(opts.frontDoor.host), port: opts.frontDoor.port };
  let dns: DnsServer | undefined;
  let proxy: ConnectProxy | undefined;
  const close = async () => {
    await Promise.all([dns?.close(), proxy?.close()]);
  };
  const passthrough = opts.options.proxy?.passthrough ?? false;
  const answer = opts.options.dns?.answer ?? target.host;
  for (const [what, bind] of [['DNS server', opts.options.dns?.host], ['proxy', opts.options.proxy?.host]] as const) {
    if (bind && !/^127\.|^::1$/.test(bind)) opts.log?.warn(`!!! The ${what} binds ${bind}: anyone on that network can use it to reach the local cloud.`);
  }
  try {
    if (opts.options.dns) {
      dns = await startDnsServer({ host: opts.options.dns.host, port: opts.options.dns.port, serves: opts.serves, addresses: [answer], log: opts.log?.child('dns') });
    }
    if (opts.options.proxy) {
      proxy = await startConnectProxy({ host: opts.options.proxy.host, port: opts.options.proxy.port, serves: opts.serves, target, passthrough, log: opts.log?.child('proxy') });
    }
  } catch (err) {
    await close();
    throw err;
  }

  return {
    dns: dns && { host: dns.host, port: dns.port, answer },
    proxy: proxy && { host: proxy.host, port: proxy.port, passthrough },
    describe() {
      const lines: string[] = [];
      if (dns) {
        lines.push(`DNS           ${formatHost(dns.host)}:${dns.port} (UDP+TCP): ${opts.names.length} AWS names → ${answer}, everything else REFUSED`);
        if (opts.frontDoor.port !== SERVED_PORT) {
          lines.push(`              clients connect to port ${SERVED_PORT}: redirect it to ${opts.frontDoor.port} (README: Routing a device) or start with --port ${SERVED_PORT}`);
        }
      }
      if (proxy) {
        lines.push(
          `Proxy         http://${formatHost(proxy.host)}:${proxy.port} (CONNECT): AWS names → the front door, ` +
            (passthrough ? 'other hosts tunnelled directly' : 'other hosts 403'),
        );
      }
      return lines;
    },
    close,
  };
}

/** Where a client reaches a server that binds `host`: all-interfaces binds are reached on loopback. */
function reachableAddress(host: string): string {
  if (host === '0.0.0.0' || host === 'localhost') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}
