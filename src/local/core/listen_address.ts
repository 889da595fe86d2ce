import { isIPv4, isIPv6 } from 'node:net';

/**
 * Reads a `[host:]port` flag value (`20053`, `127.0.0.1:20053`, `[::1]:20053`); the host defaults to
 * `defaultHost`. Returns why it is wrong as a string, so the CLI can name the flag.
 */
export function parseListenAddress(value: string, defaultHost: string): { host: string; port: number } | string {
  const m = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+|localhost)):)?(\d{1,5})$/.exec(value);
  if (!m) return `expected [host:]port, e.g. 20053 or 127.0.0.1:20053; got "${value}"`;
  const port = Number(m[3]);
  if (port > 65535) return `the port must be from 0 to 65535 (0 = any free port); got ${port}`;
  const host = m[1] ?? (m[2] === 'localhost' ? '127.0.0.1' : m[2]) ?? defaultHost;
  if (!isIPv4(host) && !isIPv6(host)) return `the host must be an IP address; got "${host}"`;
  return { host, port };
}
