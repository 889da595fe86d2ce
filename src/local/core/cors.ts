/**
 * CORS for browser apps talking to the local cloud: the real services answer preflights per
 * service (S3 bucket CORS, AppSync, Cognito); locally the front door answers them all alike.
 */

/** Headers every AWS client reads from responses; plus any `x-amz*` header of the actual response. */
const ALWAYS_EXPOSED = [
  'ETag',
  'Content-Length',
  'Content-Range',
  'Content-Type',
  'Last-Modified',
  'Date',
  'x-amz-request-id',
  'x-amz-id-2',
  'x-amz-version-id',
  'x-amz-delete-marker',
  'x-amz-server-side-encryption',
  'x-amz-date',
  'x-amzn-RequestId',
  'x-amzn-ErrorType',
  'x-amzn-ErrorMessage',
  'x-amz-function-error',
  'x-amz-log-result',
  'x-amz-executed-version',
];

const ALLOWED_METHODS = 'GET, HEAD, PUT, POST, DELETE, PATCH, OPTIONS';

export function isPreflight(req: Request): boolean {
  return req.method === 'OPTIONS' && req.headers.has('origin') && req.headers.has('access-control-request-method');
}

export function preflightResponse(req: Request): Response {
  const requested = req.headers.get('access-control-request-headers');
  return new Response(null, {
    status: 204,
    headers: {
      'access-control-allow-origin': req.headers.get('origin') ?? '*',
      'access-control-allow-methods': ALLOWED_METHODS,
      // Echo what the browser asks for: SigV4 and Amplify send many custom headers.
      'access-control-allow-headers': requested ?? '*',
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '600',
      vary: 'Origin, Access-Control-Request-Headers',
    },
  });
}

/** Adds CORS headers to a response for a request that carried `Origin` (headers may be immutable: copy). */
export function withCors(req: Request, res: Response): Response {
  const origin = req.headers.get('origin');
  if (!origin) return res;
  const headers = new Headers(res.headers);
  headers.set('access-control-allow-origin', origin);
  headers.set('access-control-allow-credentials', 'true');
  const exposed = new Set(ALWAYS_EXPOSED);
  headers.forEach((_value, name) => {
    if (name.startsWith('x-amz')) exposed.add(name);
  });
  headers.set('access-control-expose-headers', [...exposed].join(', '));
  headers.append('vary', 'Origin');
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}
