/** The crash and load runs' printed summaries; each returns whether the run met its goals. */
import type { RoundReport } from './crash.js';
import type { LoadReport } from './load.js';

export function printCrash(seed: number, result: { rounds: RoundReport[]; notes: string[] }): boolean {
  for (const n of result.notes) console.log(`note: ${n}`);
  console.log(`crash seed ${seed}: ${result.rounds.length} rounds`);
  console.log(['round', 'kill after', 'acknowledged', 'records verified (cumulative)', 'landed unacked', 'lost', 'torn', 'errors before kill'].join('\t'));
  for (const r of result.rounds) console.log([r.round, r.trigger, r.acked, r.verified, r.landedUnacked, r.lost.length, r.torn.length, r.errorsBeforeKill.length].join('\t'));
  const sum = (f: (r: RoundReport) => number) => result.rounds.reduce((n, r) => n + f(r), 0);
  console.log(['total', '', sum((r) => r.acked), '', sum((r) => r.landedUnacked), sum((r) => r.lost.length), sum((r) => r.torn.length), sum((r) => r.errorsBeforeKill.length)].join('\t'));
  for (const r of result.rounds) {
    for (const l of r.lost.slice(0, 20)) console.log(`LOST round ${r.round}: ${l}`);
    for (const t of r.torn.slice(0, 20)) console.log(`TORN round ${r.round}: ${t}`);
    for (const e of [...new Set(r.errorsBeforeKill)].slice(0, 5)) console.log(`ERROR round ${r.round}: ${e}`);
  }
  return result.rounds.every((r) => !r.lost.length && !r.torn.length && !r.errorsBeforeKill.length);
}

const fdText = (f: LoadReport['fdsBefore']) =>
  `${f.total} (${f.sockets} sockets; connections: ${f.connections?.toOthers ?? '?'} client, ${f.connections?.toChildren ?? '?'} from ${f.children ?? '?'} function environments)`;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

export function printLoad(r: LoadReport): boolean {
  for (const n of r.notes) console.log(`note: ${n}`);
  console.log(`load: ${r.clients} clients × ${r.seconds} s × ${r.bursts.length} bursts, seed ${r.seed}`);
  console.log(['burst', 'requests', 'req/s', 'errors', 'events', 'RSS after', 'peak RSS', 'live heap after GC', 'fds (sockets) after'].join('\t'));
  for (const b of r.bursts) {
    console.log([b.burst, b.requests, b.rps.toFixed(0), b.errors, b.events, mb(b.rssAfter), mb(b.peakRss), b.liveHeapAfter === undefined ? '-' : mb(b.liveHeapAfter), fdText(b.fdsAfter)].join('\t'));
  }
  console.log(['op', 'count', 'errors', 'p50 ms', 'p99 ms'].join('\t'));
  for (const o of r.ops) console.log([o.op, o.count, o.errors, o.p50.toFixed(1), o.p99.toFixed(1)].join('\t'));
  console.log(`server: RSS ${mb(r.rssBefore)} before → peak ${mb(r.peakRss)}; fds before ${fdText(r.fdsBefore)}, after the clients closed ${fdText(r.fdsAfter)}`);
  for (const e of r.firstErrors) console.log(`ERROR ${e}`);
  const errors = r.bursts.reduce((n, b) => n + b.errors, 0);
  // Live heap after a full GC should not climb burst after burst (what the backend stores aside):
  // allow a quarter more than after the first burst, plus 5 MB.
  const heaps = r.bursts.map((b) => b.liveHeapAfter).filter((h): h is number => h !== undefined);
  const heapFlat = heaps.length < 2 || heaps[heaps.length - 1] <= heaps[0] * 1.25 + 5 * 1024 * 1024;
  // Warm Lambda environments (children with their pipes and SDK connections) may stay; client connections must not.
  const noLeak = (r.fdsAfter.connections?.toOthers ?? 0) <= (r.fdsBefore.connections?.toOthers ?? 0);
  console.log(`verdict: errors ${errors === 0 ? 'none' : errors}; live heap ${heapFlat ? 'flat' : 'GROWING'} across bursts; client connections ${noLeak ? 'all closed' : 'LEFT OPEN'}`);
  return errors === 0 && heapFlat && noLeak;
}
