import type { BackendModel } from '../assembly/model.js';
import { userPoolsOf } from '../assembly/model.js';
import type { AccountKeys } from './account.js';
import { jsonError } from './aws_errors.js';
import type { MetricTimeline } from './metric_timeline.js';
import type { RequestJournal } from './request_journal.js';
import type { LocalService } from './service.js';
import { signRequest } from './sigv4_sign.js';

/**
 * The admin API's routes behind the console: an overview of what runs, the request journal, the
 * dashboard's widgets with their datapoints, and a proxy that signs a request with the developer
 * keys and routes it in-process — so the console acts through the services' own APIs and their own
 * authorization (Cognito Admin*, S3, AppSync with IAM) instead of reaching into their state.
 */

export interface ConsoleAdminDeps {
  model: BackendModel;
  accountKeys: AccountKeys;
  /** Routes a request in-process, as the HTTPS port would. */
  handle(req: Request): Promise<Response>;
  journal: RequestJournal;
  metrics: MetricTimeline;
  services(): readonly LocalService[];
  endpoint(): string;
  now(): number;
  outputsPath(): string | null;
  caCertPath: string;
}

/** Signing names the proxy signs for; anything else is refused (it is not a general signer). */
const SIGNING_NAMES = new Set(['cognito-idp', 's3', 'appsync', 'kinesis', 'lambda', 'dynamodb', 'sts', 'ssm', 'sqs', 'kms']);
/** Request headers passed on to the service. */
const FORWARDED = ['accept', 'content-type', 'x-amz-target', 'range'];
const MAX_PROXY_BODY = 50 * 1024 * 1024;

export const CONSOLE_ROUTES = ['GET /_local/overview', 'GET /_local/requests', 'GET /_local/dashboard', '<any> /_local/aws/<signing-name>/<path>'];

/** Undefined when the route is not one of these. */
export async function consoleRoute(deps: ConsoleAdminDeps, req: Request, url: URL): Promise<Response | undefined> {
  const path = url.pathname.replace(/\/+$/, '');
  if (path.startsWith('/_local/aws/')) return proxy(deps, req, url);
  if (req.method !== 'GET') return undefined;
  switch (path) {
    case '/_local/overview':
      return Response.json(overview(deps));
    case '/_local/requests': {
      const q = url.searchParams;
      const limit = q.has('limit') ? Number(q.get('limit')) : undefined;
      const after = q.has('after') ? Number(q.get('after')) : undefined;
      if ((limit !== undefined && !(Number.isInteger(limit) && limit > 0)) || (after !== undefined && !Number.isInteger(after))) {
        return jsonError(400, 'ValidationException', 'limit must be a positive whole number and after a whole number', {}, json);
      }
      const status = q.get('status') || undefined;
      if (status && !/^([1-5]xx|[1-5]\d\d)$/i.test(status)) {
        return jsonError(400, 'ValidationException', `status must be 2xx, 4xx, 5xx or a status code; got "${status}"`, {}, json);
      }
      return Response.json({
        capacity: deps.journal.capacity,
        requests: deps.journal.list({ service: q.get('service') || undefined, status, after, limit }),
      });
    }
    case '/_local/dashboard':
      return dashboard(deps, url);
    default:
      return undefined;
  }
}

function overview(deps: ConsoleAdminDeps) {
  const m = deps.model;
  const introspection = m.data?.modelIntrospection as { models?: Record<string, unknown> } | undefined;
  return {
    endpoint: deps.endpoint(),
    region: m.region,
    accountId: m.accountId,
    stackName: m.stackName,
    outputsPath: deps.outputsPath(),
    caCertPath: deps.caCertPath,
    developerAccessKeyId: deps.accountKeys.accessKeyId,
    services: deps.services().map((s) => ({ name: s.name, lines: s.describe?.() ?? [] })),
    userPools: userPoolsOf(m).map((e) => ({
      id: e.userPool.id,
      name: e.userPool.name,
      usernameAttributes: e.userPool.usernameAttributes,
      mfa: e.userPool.mfaConfiguration,
      groups: e.userPool.groups.map((g) => g.name),
      clients: e.clients.map((c) => ({ id: c.id, name: c.name })),
      requiredAttributes: e.userPool.schema.filter((a) => a.required).map((a) => a.name),
    })),
    data: m.data && {
      apiId: m.data.apiId,
      name: m.data.name,
      authModes: [m.data.defaultAuthMode, ...m.data.additionalAuthModes],
      models: Object.keys(introspection?.models ?? {}),
      tables: m.data.tables.map((t) => t.tableName),
    },
    buckets: (m.storage?.buckets ?? []).map((b) => ({ name: b.friendlyName, bucketName: b.bucketName, isDefault: b.isDefault, paths: Object.keys(b.paths) })),
    functions: m.functions.map((f) => ({ name: f.friendlyName ?? f.functionName, functionName: f.functionName })),
    kinesisStreams: m.messaging.kinesisStreams.map((s) => s.name),
    pinpointApps: m.messaging.pinpointApps.map((a) => ({ id: a.id, name: a.name, channels: a.channels })),
    dashboards: (m.dashboards ?? []).map((d) => d.name),
    warnings: m.warnings ?? [],
  };
}

/** Each dashboard's widgets with a series per metric (the widget's statistic over the last N intervals). */
function dashboard(deps: ConsoleAdminDeps, url: URL): Response {
  const raw = url.searchParams.get('points');
  const points = raw === null ? 60 : Number(raw);
  if (!(Number.isInteger(points) && points > 0 && points <= deps.metrics.buckets)) {
    return jsonError(400, 'ValidationException', `points must be a whole number from 1 to ${deps.metrics.buckets}; got "${raw}"`, {}, json);
  }
  return Response.json({
    periodSeconds: deps.metrics.bucketMs / 1000,
    window: deps.metrics.window(points),
    dashboards: (deps.model.dashboards ?? []).map((d) => ({
      name: d.name,
      widgets: d.widgets.map((w) => ({
        ...w,
        series: w.metrics.map((metric) => ({
          label: metric.label ?? `${metric.metricName} (${metric.stat})`,
          metric,
          points: deps.metrics.query(metric, metric.stat, points),
        })),
      })),
    })),
  });
}

/**
 * `<method> /_local/aws/<signing-name>/<path>?<query>`: the same request to `/<path>`, signed as
 * the developer user. Browsers send `Origin` on every cross-origin write, so a page of another
 * origin (a site the developer visits) is refused: only the console's own page may act.
 */
async function proxy(deps: ConsoleAdminDeps, req: Request, url: URL): Promise<Response> {
  const m = /^\/_local\/aws\/([a-z0-9-]+)(\/.*)?$/.exec(url.pathname);
  if (!m || !SIGNING_NAMES.has(m[1])) {
    return jsonError(404, 'UnknownOperationException', `No admin route ${req.method} ${url.pathname}; the proxy signs for ${[...SIGNING_NAMES].join(', ')}`, {}, json);
  }
  const origin = req.headers.get('origin');
  if (origin && origin !== url.origin) {
    return jsonError(403, 'AccessDeniedException', `Requests from ${origin} may not act as the developer ((local: only the console's own page may use /_local/aws/))`, {}, json);
  }
  const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : new Uint8Array(await req.arrayBuffer());
  if (body && body.byteLength > MAX_PROXY_BODY) {
    return jsonError<'RequestEntityTooLargeException'>(413, 'RequestEntityTooLargeException', `The body is larger than ${MAX_PROXY_BODY} bytes ((local: the console's proxy limit))`, {}, json);
  }
  const headers: Record<string, string> = {};
  for (const name of FORWARDED) {
    const value = req.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  const query = new URLSearchParams(url.search);
  const download = query.get('x-local-download');
  query.delete('x-local-download');
  const search = query.toString();
  const target = new URL(`${m[2] ?? '/'}${search ? `?${search}` : ''}`, deps.endpoint() || url.origin);
  const signed = signRequest({
    method: req.method,
    url: target.href,
    headers,
    body,
    service: m[1],
    region: deps.model.region,
    keys: deps.accountKeys,
    now: deps.now(),
  });
  const response = await deps.handle(signed);
  if (download === null) return response;
  const out = new Headers(response.headers);
  out.set('content-disposition', `attachment; filename="${download.replace(/["\\\r\n]/g, '_')}"`);
  return new Response(response.body, { status: response.status, headers: out });
}

const json = { contentType: 'application/json' };
