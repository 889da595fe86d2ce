import { consoleRoute, CONSOLE_ROUTES, type ConsoleAdminDeps } from './admin_console.js';
import { jsonError } from './aws_errors.js';
import type { Outbox, OutboxMessage } from './outbox.js';
import { isLoopbackRequest } from './request_info.js';
import type { LocalService, RequestHandler } from './service.js';
import { snapshotRoute, type SnapshotAdminDeps } from './snapshot_admin.js';
import { ownEntry } from './own.js';

const CHANNELS: OutboxMessage['channel'][] = ['email', 'sms', 'push'];

export interface AdminDeps {
  outbox: Outbox;
  /** Names of the running services, for health. */
  serviceNames(): string[];
  /** Resets every service's state (and the outbox). */
  resetAll(): Promise<string[]>;
  /** Epoch ms when the cloud started. */
  startedAt: number;
  now(): number;
  endpoint(): string;
  /** Running services, for their read-only views. */
  services?(): LocalService[];
  /** Export routes (`POST /_local/export`...), when the cloud can write snapshots. */
  snapshots?: SnapshotAdminDeps;
  /** What the console reads and does (overview, request journal, dashboard, signed proxy). */
  console?: ConsoleAdminDeps;
  /** The hot reloader's state (`GET /_local/reload`); undefined when the cloud does not watch. */
  reloadStatus?(): unknown;
}

function viewRoutes(deps: AdminDeps): string[] {
  return (deps.services?.() ?? []).flatMap((s) => [
    ...Object.keys(s.views ?? {}).map((v) => `GET /_local/${s.name}/${v}`),
    ...Object.keys(s.actions ?? {}).map((a) => {
      const [collection, verb] = a.split('/');
      return `POST /_local/${s.name}/${collection}/<name>/${verb}`;
    }),
  ]);
}

/** `POST /_local/<service>/<collection>/<name>/<verb>` → that service's action (404 when it finds nothing). */
async function serviceAction(deps: AdminDeps, method: string, url: URL): Promise<Response | undefined> {
  const m = /^\/_local\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
  if (!m) return undefined;
  const service = deps.services?.().find((s) => s.name === m[1]);
  const action = ownEntry(service?.actions, `${m[2]}/${m[4]}`);
  if (!action) return undefined;
  if (method !== 'POST') {
    return jsonError(405, 'MethodNotAllowedException', `${method} is not allowed on ${url.pathname}; use POST`, {}, json);
  }
  let name: string;
  try {
    name = decodeURIComponent(m[3]);
  } catch {
    return jsonError(400, 'ValidationException', `${m[3]} is not a valid URL-encoded name`, {}, json);
  }
  const value = await action(name, url.searchParams);
  if (value === undefined) return jsonError(404, 'ResourceNotFoundException', `${m[1]}/${m[2]}: no ${m[2].replace(/s$/, '')} named "${name}"`, {}, json);
  return Response.json(value);
}

/** `GET /_local/<service>/<view>` → that service's view as JSON (404 when the view finds nothing). */
function serviceView(deps: AdminDeps, method: string, url: URL): Response | undefined {
  const m = /^\/_local\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
  if (!m || method !== 'GET') return undefined;
  const service = deps.services?.().find((s) => s.name === m[1]);
  const view = ownEntry(service?.views, m[2]);
  if (!view) return undefined;
  const value = view(url.searchParams);
  if (value === undefined) {
    return jsonError(404, 'ResourceNotFoundException', `${m[1]}/${m[2]}: nothing matches ${url.search || 'the request'}`, {}, json);
  }
  return Response.json(value);
}

/** The admin API, with a way to end its open event streams (the front door waits for open responses). */
export interface AdminService extends RequestHandler {
  closeStreams(): void;
}

const KEEP_ALIVE_MS = 15_000;

/**
 * `GET /_local/outbox/stream`: server-sent events, one `message` event per message added from now on
 * (the console's Outbox shows new ones as they arrive), and a comment every 15 s to keep it open.
 */
function outboxStream(outbox: Outbox, streams: Set<() => void>): Response {
  if (!outbox.subscribe) return jsonError(404, 'ResourceNotFoundException', 'This outbox cannot be followed', {}, json);
  const encoder = new TextEncoder();
  let end = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const unsubscribe = outbox.subscribe!((m) => controller.enqueue(encoder.encode(`event: message\ndata: ${JSON.stringify(m)}\n\n`)));
      const timer = setInterval(() => controller.enqueue(encoder.encode(': keep-alive\n\n')), KEEP_ALIVE_MS);
      timer.unref();
      const closeFromServer = () => {
        end();
        controller.close();
      };
      end = () => {
        unsubscribe();
        clearInterval(timer);
        streams.delete(closeFromServer);
      };
      streams.add(closeFromServer);
      // Sent at once so the client sees the stream open (headers and a first chunk).
      controller.enqueue(encoder.encode(': following the outbox\n\n'));
    },
    cancel() {
      end();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' } });
}

/**
 * The local-only API under `/_local/` that tests and tools use: health, the outbox of sent
 * messages, and a reset. It answers loopback clients only, whatever interface the server binds.
 */
export function createAdminService(deps: AdminDeps): AdminService {
  const streams = new Set<() => void>();
  return {
    name: 'admin',
    closeStreams() {
      for (const close of [...streams]) close();
    },
    matches: (_req, url) => url.pathname === '/_local' || url.pathname.startsWith('/_local/'),
    async fetch(req) {
      if (!isLoopbackRequest(req)) {
        return jsonError(403, 'AccessDeniedException', 'The admin API answers loopback clients only ((local: /_local/ is not exposed to the network))', {}, json);
      }
      // A page the developer's browser opens on another site may call 127.0.0.1 too: it must not read
      // codes from the outbox or reset anything. Pages served from this machine (the console, a dev
      // server on localhost) may.
      const origin = req.headers.get('origin');
      if (origin !== null && !isLoopbackOrigin(origin)) {
        return jsonError(403, 'AccessDeniedException', `Pages of ${origin} may not use the admin API ((local: only pages served from this machine may))`, {}, json);
      }
      const url = new URL(req.url);
      const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
      switch (route) {
        case 'GET /_local/health':
          return Response.json({
            status: 'ok',
            services: deps.serviceNames(),
            uptime: Math.max(0, (deps.now() - deps.startedAt) / 1000),
            endpoint: deps.endpoint(),
          });
        case 'GET /_local/outbox': {
          const channel = url.searchParams.get('channel') || undefined;
          if (channel && !CHANNELS.includes(channel as OutboxMessage['channel'])) {
            return jsonError(400, 'ValidationException', `channel must be one of ${CHANNELS.join(', ')}; got "${channel}"`, {}, json);
          }
          const to = url.searchParams.get('to') || undefined;
          return Response.json({ messages: deps.outbox.list({ channel: channel as OutboxMessage['channel'] | undefined, to }) });
        }
        case 'GET /_local/outbox/stream':
          return outboxStream(deps.outbox, streams);
        case 'DELETE /_local/outbox':
          deps.outbox.clear();
          return Response.json({ messages: [] });
        case 'POST /_local/reset':
          return Response.json({ status: 'ok', reset: await deps.resetAll() });
        case 'GET /_local/reload': {
          const status = deps.reloadStatus?.();
          if (status === undefined) {
            return jsonError(404, 'ResourceNotFoundException', 'Hot reload is off ((local: start without --no-watch to reload amplify/ on save))', {}, json);
          }
          return Response.json(status);
        }
        default: {
          const exported = deps.snapshots ? await snapshotRoute(deps.snapshots, req, url) : undefined;
          if (exported) return exported;
          const view =
            (deps.console && (await consoleRoute(deps.console, req, url))) ??
            serviceView(deps, req.method, url) ??
            (await serviceAction(deps, req.method, url));
          if (view) return view;
          const known = [
            'GET /_local/health',
            'GET /_local/outbox',
            'GET /_local/outbox/stream',
            'DELETE /_local/outbox',
            'POST /_local/reset',
            'GET /_local/reload',
            ...(deps.snapshots ? ['POST /_local/export', 'GET /_local/export/<id>/<file>', 'DELETE /_local/export/<id>'] : []),
            ...(deps.console ? CONSOLE_ROUTES : []),
            ...viewRoutes(deps),
          ];
          const samePath = known.filter((k) => k.endsWith(` ${url.pathname.replace(/\/+$/, '')}`));
          if (samePath.length) {
            return jsonError(405, 'MethodNotAllowedException', `${req.method} is not allowed on ${url.pathname}; use ${samePath.join(' or ')}`, {}, json);
          }
          return jsonError(404, 'UnknownOperationException', `No admin route ${req.method} ${url.pathname}; known: ${known.join(', ')}`, {}, json);
        }
      }
    },
  };
}

const json = { contentType: 'application/json' };

/** `http(s)://` origins on this machine: 127.x.x.x, localhost (and its subdomains) and ::1. */
function isLoopbackOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
