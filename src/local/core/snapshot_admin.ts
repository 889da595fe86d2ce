/**
 * The admin routes that export a running local cloud (`npm run local:export`). An export is written
 * once on the server, into `<data-dir>/exports/<id>/`, and fetched file by file, so a large store
 * streams one object at a time instead of travelling as one JSON document:
 *
 *   POST   /_local/export                 → { id, snapshot, files: [{ path, size }] }
 *   GET    /_local/export/<id>/<path>     → the file's bytes
 *   DELETE /_local/export/<id>            → drops the server's copy
 *
 * Copies nobody fetched are dropped after an hour, and all of them when the cloud stops.
 */
import { createReadStream, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { jsonError } from './aws_errors.js';
import { SnapshotError, type SnapshotManifest } from './snapshot_format.js';

const KEEP_MS = 60 * 60 * 1000;
const json = { contentType: 'application/json' };

export interface SnapshotAdminDeps {
  /** Where export copies are kept. */
  exportsDir: string;
  exportSnapshot(dir: string): Promise<SnapshotManifest>;
  now(): number;
}

/** Every file under `dir`, relative, with `/` separators, sorted. */
export function listFiles(dir: string): { path: string; size: number }[] {
  const out: { path: string; size: number }[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push({ path: r, size: statSync(path.join(dir, r)).size });
    }
  };
  walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function dropStale(deps: SnapshotAdminDeps): void {
  if (!existsSync(deps.exportsDir)) return;
  for (const name of readdirSync(deps.exportsDir)) {
    const full = path.join(deps.exportsDir, name);
    if (deps.now() - statSync(full).mtimeMs > KEEP_MS) rmSync(full, { recursive: true, force: true });
  }
}

let counter = 0;

/** Answers the export routes, or undefined for any other path. */
export async function snapshotRoute(deps: SnapshotAdminDeps, req: Request, url: URL): Promise<Response | undefined> {
  const pathname = url.pathname.replace(/\/+$/, '');
  if (pathname === '/_local/export') {
    if (req.method !== 'POST') return jsonError(405, 'MethodNotAllowedException', `${req.method} is not allowed on /_local/export; use POST`, {}, json);
    dropStale(deps);
    const id = `${deps.now().toString(36)}-${process.pid.toString(36)}-${(counter++).toString(36)}`;
    const dir = path.join(deps.exportsDir, id);
    try {
      const snapshot = await deps.exportSnapshot(dir);
      return Response.json({ id, snapshot, files: listFiles(dir) });
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      if (err instanceof SnapshotError) return jsonError(400, 'ValidationException', `${err.message}. Resolution: ${err.resolution}`, {}, json);
      throw err;
    }
  }
  const m = /^\/_local\/export\/([0-9a-z-]+)(?:\/(.+))?$/.exec(pathname);
  if (!m) return undefined;
  const dir = path.join(deps.exportsDir, m[1]);
  if (!existsSync(dir)) return jsonError(404, 'ResourceNotFoundException', `No export ${m[1]} ((local: exports are kept for an hour, or until the cloud stops))`, {}, json);
  if (!m[2]) {
    if (req.method !== 'DELETE') return jsonError(405, 'MethodNotAllowedException', `${req.method} is not allowed on ${pathname}; use DELETE`, {}, json);
    rmSync(dir, { recursive: true, force: true });
    return Response.json({ status: 'ok' });
  }
  if (req.method !== 'GET') return jsonError(405, 'MethodNotAllowedException', `${req.method} is not allowed on ${pathname}; use GET`, {}, json);
  let rel: string;
  try {
    rel = m[2].split('/').map(decodeURIComponent).join('/');
  } catch {
    return jsonError(400, 'ValidationException', `${m[2]} is not a valid URL-encoded path`, {}, json);
  }
  const file = path.resolve(dir, rel);
  if (!file.startsWith(dir + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
    return jsonError(404, 'ResourceNotFoundException', `Export ${m[1]} has no file ${rel}`, {}, json);
  }
  const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
  return new Response(body, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(statSync(file).size) } });
}
