/**
 * What the front door knows about a request that a WHATWG `Request` cannot carry (the socket's
 * peer). Kept out of the headers so a client cannot forge it.
 */
export interface RequestInfo {
  /** Peer address of the TCP connection, e.g. `127.0.0.1` or `::ffff:127.0.0.1`. */
  remoteAddress?: string;
}

const infos = new WeakMap<Request, RequestInfo>();

export function setRequestInfo(req: Request, info: RequestInfo): void {
  infos.set(req, info);
}

/** Undefined for requests made in-process (`LocalCloud.fetch`), which never left this machine. */
export function getRequestInfo(req: Request): RequestInfo | undefined {
  return infos.get(req);
}

function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/** True when the request came over a loopback socket or was made in-process. */
export function isLoopbackRequest(req: Request): boolean {
  const info = getRequestInfo(req);
  return info === undefined || isLoopbackAddress(info.remoteAddress);
}
