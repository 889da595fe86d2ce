import type { Logger } from '../core/logger.js';
import { isLoopbackRequest } from '../core/request_info.js';
import type { RequestHandler } from '../core/service.js';
import { bundleClient } from './bundle.js';
import { consolePage, PAGES } from './page.js';

/**
 * The local console: a page for people, served on the cloud's own port.
 *
 * `/` is also S3's ListBuckets (path-style, same port), so the console takes `/` only from a
 * browser navigating to it: a GET or HEAD that accepts `text/html` and carries no SigV4 (neither
 * an Authorization header nor presigned `X-Amz-*` query parameters). Every SDK request to `/` is
 * signed, so S3 keeps answering it. Its assets live under `/_console/`, a path no bucket can take
 * (bucket names have no underscore). Like the admin API it answers loopback clients only, and its
 * Content-Security-Policy keeps the page from loading anything that is not on this port.
 */
export function createConsoleHandler(deps: { log: Logger }): RequestHandler {
  let script: Promise<string> | undefined;
  const clientScript = () => {
    script ??= bundleClient().catch((err: unknown) => {
      script = undefined;
      throw err;
    });
    return script;
  };

  return {
    name: 'console',
    matches: (req, url) => url.pathname.startsWith('/_console/') || isBrowserNavigation(req, url),
    async fetch(req) {
      if (!isLoopbackRequest(req)) {
        return html(403, '<!doctype html><title>Forbidden</title><p>The local console answers loopback clients only ((local: it is not exposed to the network)).</p>');
      }
      const url = new URL(req.url);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return new Response(`${req.method} is not allowed on ${url.pathname}; use GET`, { status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'text/plain' } });
      }
      if (url.pathname === '/' || url.pathname === '/_console/') return html(200, consolePage());
      if (url.pathname === '/_console/app.js') {
        try {
          return new Response(await clientScript(), { headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache', ...SECURITY } });
        } catch (err) {
          deps.log.error(`the console's script could not be bundled: ${err instanceof Error ? err.message : String(err)}`);
          return new Response('the console script could not be built: see the local cloud\'s log', { status: 500, headers: { 'content-type': 'text/plain' } });
        }
      }
      return new Response(`No console page ${url.pathname}; pages: ${PAGES.map((p) => `/#/${p.id}`).join(', ')}`, { status: 404, headers: { 'content-type': 'text/plain' } });
    },
  };
}

/** A browser's top-level navigation to `/`, never an S3 client (see the module comment). */
export function isBrowserNavigation(req: Request, url: URL): boolean {
  if (url.pathname !== '/' || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  if (req.headers.has('authorization')) return false;
  for (const key of url.searchParams.keys()) if (key.toLowerCase().startsWith('x-amz-')) return false;
  return (req.headers.get('accept') ?? '').toLowerCase().includes('text/html');
}

const SECURITY = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function html(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...SECURITY } });
}
