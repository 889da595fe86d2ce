import { Readable } from 'node:stream';

/** The parts of the SDK's HttpRequest an in-process handler reads. */
interface SdkRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/**
 * An AWS SDK v3 `requestHandler` that hands each signed request to a service's `fetch` without
 * sockets, so handler tests drive a service with the SDK's own serializers, signer and parsers.
 */
export function inProcessHandler(fetch: (req: Request) => Promise<Response>) {
  return {
    metadata: { handlerProtocol: 'h1' },
    async handle(request: SdkRequest): Promise<{ response: { statusCode: number; reason?: string; headers: Record<string, string>; body: Readable } }> {
      const query = Object.entries(request.query ?? {})
        .flatMap(([k, v]) => (v === null ? [] : (Array.isArray(v) ? v : [v]).map((one) => `${encodeURIComponent(k)}=${encodeURIComponent(one)}`)))
        .join('&');
      const url = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}${request.path}${query ? `?${query}` : ''}`;
      const res = await fetch(
        new Request(url, {
          method: request.method,
          headers: request.headers,
          body: request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body,
        }),
      );
      const headers: Record<string, string> = {};
      res.headers.forEach((value, key) => (headers[key] = value));
      return {
        response: { statusCode: res.status, reason: res.statusText, headers, body: Readable.from(Buffer.from(await res.arrayBuffer())) },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
  };
}
