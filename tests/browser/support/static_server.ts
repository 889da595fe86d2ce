import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

export interface StaticSite {
  /** `http://127.0.0.1:<port>`: a different origin than the local cloud, so every call is cross-origin. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the files of `dir` (no subfolders) over plain HTTP on loopback, on a free port. */
export async function serveStatic(dir: string): Promise<StaticSite> {
  const server = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.replace(/^\/$/, '/index.html').slice(1);
    const type = TYPES[path.extname(name)];
    if (req.method !== 'GET' || !type || name.includes('/') || name.includes('..')) {
      res.writeHead(404).end();
      return;
    }
    readFile(path.join(dir, name)).then(
      (body) => res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
