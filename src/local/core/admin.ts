import { jsonError } from './aws_errors.js';
import type { Outbox, OutboxMessage } from './outbox.js';
import { isLoopbackRequest } from './request_info.js';
import type { LocalService, RequestHandler } from './service.js';

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
  const action = service?.actions?.[`${m[2]}/${m[4]}`];
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
  const view = service?.views?.[m[2]];
  if (!view) return undefined;
  const value = view(url.searchParams);
  if (value === undefined) {
    return jsonError(404, 'ResourceNotFoundException', `${m[1]}/${m[2]}: nothing matches ${url.search || 'the request'}`, {}, json);
  }
  return Response.json(value);
}

/**
 * The local-only API under `/_local/` that tests and tools use: health, the outbox of sent
 * messages, and a reset. It answers loopback clients only, whatever interface the server binds.
 */
export function createAdminService(deps: AdminDeps): RequestHandler {
  return {
    name: 'admin',
    matches: (_req, url) => url.pathname === '/_local' || url.pathname.startsWith('/_local/'),
    async fetch(req) {
      if (!isLoopbackRequest(req)) {
        return jsonError(403, 'AccessDeniedException', 'The admin API answers loopback clients only ((local: /_local/ is not exposed to the network))', {}, json);
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
          const view = serviceView(deps, req.method, url) ?? (await serviceAction(deps, req.method, url));
          if (view) return view;
          const known = ['GET /_local/health', 'GET /_local/outbox', 'DELETE /_local/outbox', 'POST /_local/reset', 'GET /_local/reload', ...viewRoutes(deps)];
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
