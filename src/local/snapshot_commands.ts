/**
 * `npm run local:export -- <dir>` and `npm run local:reset`: talk to a running local cloud through
 * its admin API. An export is fetched file by file (see core/snapshot_admin.ts), written beside
 * `<dir>` and moved into place once complete.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { CLI_DEFAULTS } from './core/cli_options.js';
import { formatDuration } from './core/duration.js';
import { checkExportTarget, describeCounts } from './core/snapshot.js';
import type { SnapshotManifest } from './core/snapshot_format.js';
import { resolveCaDir } from './core/tls.js';

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
}

const USAGE = `Usage:
  npm run local:export -- <dir> [--url <endpoint>] [--data-dir <dir>]
      writes a snapshot of the running local cloud into <dir> (replaced whole; README, "Seed data")
  npm run local:reset -- [--url <endpoint>] [--data-dir <dir>]
      drops every user, item, file and message of the running local cloud

  --url <endpoint>  the local cloud (default https://127.0.0.1:${CLI_DEFAULTS.port})
  --data-dir <dir>  its data dir, where the TLS CA to trust is (default ${CLI_DEFAULTS.dataDir};
                    AMPLIFY_LOCAL_CA_DIR wins, as for npm start)
`;

interface Target {
  url: URL;
  /** Trusts the local CA; keep-alive: an export is one request per file, and a TLS handshake each would dominate. */
  agent: Agent;
}

/** Files fetched at once: enough to hide round trips, few enough not to crowd a two-core machine. */
const PARALLEL_FETCHES = 6;

/** One HTTPS call trusting the local CA; resolves with the status and, for JSON, the parsed body. */
function call(t: Target, method: string, pathname: string, into?: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(pathname, t.url), { method, agent: t.agent }, (res) => {
      const status = res.statusCode ?? 0;
      if (into && status === 200) {
        mkdirSync(path.dirname(into), { recursive: true });
        pipeline(res, createWriteStream(into)).then(() => resolve({ status, body: undefined }), reject);
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text for the message
        }
        resolve({ status, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function message(body: unknown): string {
  const b = body as { message?: string; Message?: string } | undefined;
  return b?.message ?? b?.Message ?? JSON.stringify(body);
}

/** Runs `export <dir>` or `reset`; returns the exit code. */
export async function runSnapshotCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { url: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || !command) {
    io.out(USAGE);
    return parsed.values.help ? 0 : 2;
  }
  let url: URL;
  try {
    url = new URL(parsed.values.url ?? `https://127.0.0.1:${CLI_DEFAULTS.port}`);
    if (url.protocol !== 'https:') throw new Error('the local cloud serves HTTPS only');
  } catch (err) {
    io.err(`--url must be the local cloud's https:// endpoint: ${(err as Error).message}\n`);
    return 2;
  }
  const dataDir = path.resolve(io.cwd, parsed.values['data-dir'] ?? CLI_DEFAULTS.dataDir);
  const caFile = path.join(resolveCaDir(dataDir), 'ca.pem');
  if (!existsSync(caFile)) {
    io.err(`No local CA at ${caFile}. Resolution: pass the data dir the local cloud runs with (--data-dir), or start it first (npm start).\n`);
    return 1;
  }
  const ca = readFileSync(caFile);
  const target: Target = { url, agent: new Agent({ ca, keepAlive: true, maxSockets: PARALLEL_FETCHES }) };
  try {
    if (command === 'reset' && rest.length === 0) return await reset(target, io);
    if (command === 'export' && rest.length === 1) return await exportTo(target, path.resolve(io.cwd, rest[0]), io);
  } catch (err) {
    const e = err as Error & { code?: string; resolution?: string };
    if (e.code === 'ECONNREFUSED') {
      io.err(`Nothing answers at ${url.origin}. Resolution: start the local cloud (npm start), or pass its --url.\n`);
      return 1;
    }
    io.err(`${e.message}${e.resolution ? `\nResolution: ${e.resolution}` : ''}\n`);
    return 1;
  } finally {
    target.agent.destroy();
  }
  io.err(USAGE);
  return 2;
}

async function reset(t: Target, io: CommandIo): Promise<number> {
  const res = await call(t, 'POST', '/_local/reset');
  if (res.status !== 200) {
    io.err(`Reset failed (${res.status}): ${message(res.body)}\n`);
    return 1;
  }
  io.out(`Reset ${(res.body as { reset: string[] }).reset.join(', ')}.\n`);
  return 0;
}

async function exportTo(t: Target, dir: string, io: CommandIo): Promise<number> {
  checkExportTarget(dir);
  const t0 = performance.now();
  const res = await call(t, 'POST', '/_local/export');
  if (res.status !== 200) {
    io.err(`Export failed (${res.status}): ${message(res.body)}\n`);
    return 1;
  }
  const { id, snapshot, files } = res.body as { id: string; snapshot: SnapshotManifest; files: { path: string; size: number }[] };
  io.out(`Exported on the server in ${formatDuration(performance.now() - t0)}; fetching ${files.length} file(s) ...\n`);
  for (const [name, part] of Object.entries(snapshot.services)) {
    if (part.exported) io.out(`  ${name}: ${describeCounts(part.counts ?? {})}\n`);
  }
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    let bytes = 0;
    let next = 0;
    const fetchNext = async (): Promise<void> => {
      while (next < files.length) {
        const f = files[next++];
        const got = await call(t, 'GET', `/_local/export/${id}/${f.path.split('/').map(encodeURIComponent).join('/')}`, path.join(staging, ...f.path.split('/')));
        if (got.status !== 200) throw new Error(`Fetching ${f.path} failed (${got.status}): ${message(got.body)}`);
        bytes += f.size;
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_FETCHES }, fetchNext));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(path.dirname(dir), { recursive: true });
    renameSync(staging, dir);
    io.out(`Snapshot written to ${path.relative(io.cwd, dir) || dir} (${files.length} files, ${bytes} bytes) in ${formatDuration(performance.now() - t0)}\n`);
    return 0;
  } finally {
    rmSync(staging, { recursive: true, force: true });
    await call(t, 'DELETE', `/_local/export/${id}`).catch(() => undefined);
  }
}
