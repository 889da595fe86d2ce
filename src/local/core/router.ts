import { jsonError } from './aws_errors.js';
import { isPreflight, preflightResponse, withCors } from './cors.js';
import type { Logger } from './logger.js';
import { requestLabel } from './request_info.js';
import { operationOf, type RequestJournal } from './request_journal.js';
import type { RequestHandler } from './service.js';

/**
 * The front door's decision, without sockets: the first service whose `matches()` accepts the
 * request handles it. Unknown routes get AWS's UnknownOperationException; a throwing handler is
 * our fault (500 InternalFailure, stack logged) — user errors are the services' to map.
 */
export async function routeRequest(
  services: readonly RequestHandler[],
  req: Request,
  log: Logger,
  journal?: RequestJournal,
): Promise<Response> {
  if (isPreflight(req)) return preflightResponse(req);
  const url = new URL(req.url);
  let response: Response;
  let service: RequestHandler | undefined;
  const started = performance.now();
  const arrivedAt = journal?.now() ?? 0;
  // The frame's own pages and API are not the app's traffic: they stay out of the journal.
  let journaled = false;
  try {
    service = services.find((s) => s.matches(req, url));
    journaled = !!journal && !UNJOURNALED.has(service?.name ?? '');
    response = service ? await service.fetch(req) : unknownRoute(req, url);
  } catch (err) {
    log.error(`${req.method} ${url.pathname} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    response = jsonError(
      500,
      'InternalFailure',
      `The request processing has failed because of an unknown error ((local: a fault in the local cloud, see its console: ${
        err instanceof Error ? err.message : String(err)
      }))`,
    );
  }
  if (journaled) {
    // What the service learnt (a GraphQL operation, a verified principal) beats what the journal can guess.
    const label = requestLabel(req);
    journal!.add({
      at: arrivedAt,
      service: service?.name ?? 'none',
      method: req.method,
      path: url.pathname,
      operation: label?.operation ?? operationOf(service?.name ?? '', req, url),
      status: response.status,
      latencyMs: Math.round((performance.now() - started) * 10) / 10,
      caller: label?.caller ?? journal!.callerOf(req),
    });
  }
  return withCors(req, response);
}

const UNJOURNALED = new Set(['admin', 'console']);

function unknownRoute(req: Request, url: URL): Response {
  const target = req.headers.get('x-amz-target');
  if (target) {
    return jsonError(400, 'UnknownOperationException', `Unknown operation ${target} ((local: no local service handles this target))`);
  }
  return jsonError(
    404,
    'UnknownOperationException',
    `No local service handles ${req.method} ${url.pathname} ((local: see the endpoints printed at start-up))`,
    {},
    { contentType: 'application/json' },
  );
}
