/**
 * Parent side of cloud_process.ts: starts the local cloud in a child process on a fixed loopback
 * port and data dir, kills it with SIGKILL or stops it, and reads its RSS and open descriptors
 * from /proc (Linux).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { AmplifyOutputs } from '../../src/local/outputs.js';

export interface ChildCloud {
  pid: number;
  endpoint: string;
  outputs: AmplifyOutputs;
  /** SIGKILL: no shutdown code runs, as in a crash or an OOM kill. */
  kill9(): Promise<void>;
  /** A clean stop (flushes what the services flush on stop). */
  stop(): Promise<void>;
  /** Live heap after a forced GC, in bytes (undefined without --expose-gc). */
  liveHeap(): Promise<number | undefined>;
  heapSnapshot(file: string): Promise<string>;
  /** The child's active handles (sockets with their ends), to explain descriptors that stay open. */
  handles(): Promise<string[]>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const READY_TIMEOUT_MS = 120_000;

export async function startChildCloud(opts: { assemblyDir: string; dataDir: string; port: number; exposeGc?: boolean }): Promise<ChildCloud> {
  const outputsPath = path.join(opts.dataDir, 'amplify_outputs.json');
  const child: ChildProcess = fork(path.join(import.meta.dirname, 'cloud_process.ts'), [opts.assemblyDir, opts.dataDir, String(opts.port), outputsPath], {
    execArgv: ['--import', 'tsx', ...(opts.exposeGc ? ['--expose-gc'] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const ready = await new Promise<{ endpoint: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the local cloud did not start within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    child.on('message', (m: { type: string; endpoint: string }) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m);
      }
    });
    void exited.then(([code, signal]) => {
      clearTimeout(timer);
      reject(new Error(`the local cloud exited while starting (code ${code}, signal ${signal})`));
    });
  });
  const request = <T>(type: string, extra: Record<string, unknown> = {}) =>
    new Promise<T>((resolve) => {
      const onMessage = (m: { type: string }) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        resolve(m as T);
      };
      child.on('message', onMessage);
      child.send({ type, ...extra });
    });
  const outputs = JSON.parse(readFileSync(outputsPath, 'utf8')) as AmplifyOutputs;
  return {
    pid: child.pid!,
    endpoint: ready.endpoint,
    outputs,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
    async liveHeap() {
      const r = await request<{ memory: NodeJS.MemoryUsage; gc: boolean }>('heap');
      return r.gc ? r.memory.heapUsed : undefined;
    },
    async handles() {
      return (await request<{ handles: string[] }>('handles')).handles;
    },
    async heapSnapshot(file) {
      return (await request<{ file: string }>('snapshot', { file })).file;
    },
  };
}

/** Resident set size of a process in bytes (VmRSS). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Open descriptors of a process: total and sockets. */
export function fdsOf(pid: number): { total: number; sockets: number } {
  const entries = readdirSync(`/proc/${pid}/fd`);
  let sockets = 0;
  for (const e of entries) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${e}`).startsWith('socket:')) sockets++;
    } catch {
      // closed while we looked
    }
  }
  return { total: entries.length, sockets };
}

/**
 * The server's established TCP connections grouped by who holds the other end: its own child
 * processes (warm Lambda environments keep their SDK connections, as on AWS), or anyone else.
 */
export function connectionPeers(pid: number): { toChildren: number; toOthers: number } {
  const tcp = ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((f) => {
    try {
      return readFileSync(f, 'utf8').split('\n').slice(1).filter(Boolean);
    } catch {
      return [];
    }
  });
  // inode → [local port, remote port] for established (state 01) connections.
  const conns = new Map<string, [number, number]>();
  for (const line of tcp) {
    const cols = line.trim().split(/\s+/);
    if (cols[3] !== '01') continue;
    conns.set(cols[9], [parseInt(cols[1].split(':')[1], 16), parseInt(cols[2].split(':')[1], 16)]);
  }
  const socketInodes = (p: number) => {
    const out: string[] = [];
    for (const e of (() => { try { return readdirSync(`/proc/${p}/fd`); } catch { return []; } })()) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${p}/fd/${e}`));
        if (m) out.push(m[1]);
      } catch {
        // closed while we looked
      }
    }
    return out;
  };
  const children = readdirSync('/proc').filter((d) => /^\d+$/.test(d) && (() => { try { return /PPid:\s+(\d+)/.exec(readFileSync(`/proc/${d}/status`, 'utf8'))?.[1] === String(pid); } catch { return false; } })());
  const childLocalPorts = new Set(children.flatMap((c) => socketInodes(Number(c)).map((i) => conns.get(i)?.[0]).filter((p) => p !== undefined)));
  let toChildren = 0;
  let toOthers = 0;
  for (const inode of socketInodes(pid)) {
    const c = conns.get(inode);
    if (!c) continue;
    if (childLocalPorts.has(c[1])) toChildren++;
    else toOthers++;
  }
  return { toChildren, toOthers };
}
