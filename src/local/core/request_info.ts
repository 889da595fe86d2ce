/**
 * What the front door knows about a request that a WHATWG `Request` cannot carry (the socket's
 * peer). Kept out of the headers so a client cannot forge it.
 */
export interface RequestInfo {
  /** Peer address of the TCP connection, e.g. `127.0.0.1` or `::ffff:127.0.0.1`. */
  remoteAddress?: string;
  /**
   * The path of the request target exactly as the client sent it (`:path` in HTTP/2), before the
   * WHATWG URL parser resolved `.` and `..` segments away. S3 keys may contain such segments: S3
   * signs and stores the path as sent.
   */
  rawPath?: string;
}

const infos = new WeakMap<Request, RequestInfo>();

export function setRequestInfo(req: Request, info: RequestInfo): void {
  infos.set(req, info);
}

/** Undefined for requests made in-process (`LocalCloud.fetch`), which never left this machine. */
export function getRequestInfo(req: Request): RequestInfo | undefined {
  return infos.get(req);
}

/** The path part of a request target in origin form (`/a/../b?x=1` → `/a/../b`); undefined otherwise. */
export function rawPathOfTarget(target: string | undefined): string | undefined {
  if (!target?.startsWith('/')) return undefined;
  const q = target.indexOf('?');
  const hash = target.indexOf('#');
  const end = [q, hash].filter((i) => i >= 0).reduce((a, b) => Math.min(a, b), target.length);
  return target.slice(0, end);
}

/**
 * A path the front door routes a request by instead of the one sent: a virtual-hosted S3 request
 * (`<bucket>.s3.<region>.amazonaws.com/<key>`) is served as path-style `/<bucket>/<key>`, while its
 * signature still covers the path as sent.
 */
interface RoutedPath {
  path: string;
  signedPath: string;
}

const routedPaths = new WeakMap<Request, RoutedPath>();

export function setRoutedPath(req: Request, routed: RoutedPath): void {
  routedPaths.set(req, routed);
}

/** The request's path as sent when the front door saw it, else the parsed URL's (in-process requests). */
export function requestPath(req: Request, url: URL = new URL(req.url)): string {
  return routedPaths.get(req)?.path ?? getRequestInfo(req)?.rawPath ?? url.pathname;
}

/** The path the client signed (SigV4's canonical URI): as sent, before any routing rewrite. */
export function signedRequestPath(req: Request, url: URL = new URL(req.url)): string {
  return routedPaths.get(req)?.signedPath ?? requestPath(req, url);
}

function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/** What a service learnt about a request while serving it, for the front door's journal. */
export interface RequestLabel {
  /** The operation as the service names it (a GraphQL operation name…). */
  operation?: string;
  /** The verified caller, when the service knows it. */
  caller?: string;
}

const labels = new WeakMap<Request, RequestLabel>();

/** Called by a service that has parsed what the journal could only guess (the GraphQL document). */
export function labelRequest(req: Request, label: RequestLabel): void {
  labels.set(req, { ...labels.get(req), ...label });
}

export function requestLabel(req: Request): RequestLabel | undefined {
  return labels.get(req);
}

/** True when the request came over a loopback socket or was made in-process. */
export function isLoopbackRequest(req: Request): boolean {
  const info = getRequestInfo(req);
  return info === undefined || isLoopbackAddress(info.remoteAddress);
}
