/**
 * AWS-hostname mode's TLS cost: a handshake naming an AWS hostname (SNI) whose leaf is issued on the
 * spot (the first name of a run also generates the run's key), read from disk (a restart), or held in
 * memory, against a handshake served by the default loopback leaf, on a real TLS socket with the
 * client verifying against the local CA.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, createServer, type SecureContext } from 'node:tls';
import { createCa, createLeaf } from '../src/local/core/tls.js';
import { HostCertificates } from '../src/local/hostnames/host_certs.js';
import { target, type BenchFigure } from './lib/report.js';
import { stats, type Stats } from './lib/stats.js';

const N = 20;
const FIRST_N = 5;

export async function main(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-tls-names-'));
  const ca = createCa();
  const loopback = createLeaf(ca.certPem, ca.keyPem);
  const store = (sub: string) =>
    new HostCertificates({ dir: path.join(dir, sub), caCertPem: ca.certPem, caKeyPem: ca.keyPem, accepts: (n) => n.endsWith('.amazonaws.com') });
  let current = store('main');
  const server = createServer({ cert: loopback.certPem, key: loopback.keyPem, SNICallback: (n, cb: (e: Error | null, c?: SecureContext) => void) => current.sniCallback(n, cb) }, (s) =>
    s.end(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;

  const handshake = (servername: string) =>
    new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      const socket = connect({ host: '127.0.0.1', port, servername, ca: ca.certPem, checkServerIdentity: () => undefined }, () => {
        const ms = performance.now() - t0;
        if (!socket.authorized) reject(new Error(`not authorized: ${socket.authorizationError}`));
        socket.destroy();
        resolve(ms);
      });
      socket.once('error', reject);
    });
  const measure = async (n: number, name: (i: number) => string, before?: (i: number) => void): Promise<Stats> => {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      before?.(i);
      samples.push(await handshake(name(i)));
    }
    return stats(samples);
  };

  try {
    const base = await measure(N, () => 'localhost');
    const first = await measure(FIRST_N, (i) => `first${i}.s3.us-east-1.amazonaws.com`, (i) => (current = store(`first${i}`)));
    current = store('main');
    await handshake('warmup.s3.us-east-1.amazonaws.com');
    const issued = await measure(N, (i) => `n${i}.s3.us-east-1.amazonaws.com`);
    const disk = await measure(N, (i) => `n${i}.s3.us-east-1.amazonaws.com`, () => (current = store('main')));
    const memory = await measure(N, (i) => `n${i}.s3.us-east-1.amazonaws.com`);

    const rows: [string, Stats][] = [
      ['loopback leaf (no SNI issuance)', base],
      ['first new name of a run (key + signature)', first],
      ['another new name (signature)', issued],
      ['name on disk (after a restart)', disk],
      ['name in memory', memory],
    ];
    console.log(['| handshake | n | p50 | p99 |', '|---|---|---|---|', ...rows.map(([k, s]) => `| ${k} | ${s.n} | ${s.p50.toFixed(1)} ms | ${s.p99.toFixed(1)} ms |`)].join('\n'));
    const baseline = { name: 'loopback leaf handshake', value: base.p50 };
    const fig = (figure: string, s: Stats, t?: BenchFigure['target']): BenchFigure => ({ scenario: 'tls_names', figure: `${figure}, p50`, value: s.p50, unit: 'ms', better: 'lower', baseline, target: t });
    return [
      fig('handshake, first new AWS name of a run', first, target(first.p50, 'lower', 1000, '≤ 1 s')),
      fig('handshake, another new AWS name', issued, target(issued.p50, 'lower', 300, '≤ 300 ms')),
      fig('handshake, AWS name from disk', disk),
      fig('handshake, AWS name in memory', memory, target(memory.p50, 'lower', base.p50 * 2 + 1, '≤ 2× loopback + 1 ms')),
    ];
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
}
