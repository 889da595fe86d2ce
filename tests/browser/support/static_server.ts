import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface StaticSite {
  /** `http://127.0.0.1:<port>`: a different origin than the local cloud, so every call is cross-origin. */
  readonly url: string;
  close(): Promise<void>;
}

/** The file under `root` a request path names, or undefined when it names none (or lies outside `root`). */
function fileFor(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
  } catch {
    return undefined;
  }
  const file = path.join(root, decoded);
  return file.startsWith(root + path.sep) ? file : undefined;
}

/** Serves the files of `dir` and its subfolders (a built site: index.html, assets/…) over plain HTTP on loopback, on a free port. */
export async function serveStatic(dir: string): Promise<StaticSite> {
  const root = path.resolve(dir);
  const server = createServer((req, res) => {
    const file = fileFor(root, new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const type = file && TYPES[path.extname(file)];
    if (req.method !== 'GET' || !file || !type) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
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
