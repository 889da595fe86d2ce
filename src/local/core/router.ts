import { jsonError } from './aws_errors.js';
import { isPreflight, preflightResponse, withCors } from './cors.js';
import type { Logger } from './logger.js';
import type { RequestHandler } from './service.js';

/**
 * The front door's decision, without sockets: the first service whose `matches()` accepts the
 * request handles it. Unknown routes get AWS's UnknownOperationException; a throwing handler is
 * our fault (500 InternalFailure, stack logged) — user errors are the services' to map.
 */
export async function routeRequest(services: readonly RequestHandler[], req: Request, log: Logger): Promise<Response> {
  if (isPreflight(req)) return preflightResponse(req);
  const url = new URL(req.url);
  let response: Response;
  try {
    const service = services.find((s) => s.matches(req, url));
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
  return withCors(req, response);
}

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
