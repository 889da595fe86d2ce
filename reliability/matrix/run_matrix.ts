/**
 * The derived authorization matrix: from a backend model, every data model × operation × caller and
 * every storage path × action × caller, what the rules allow (rules.ts → the evaluators) against what
 * the running local cloud does. A case is a mismatch when something allowed is refused, something
 * refused is allowed, or a list or subscription shows a caller records of others.
 */
import type { BackendModel } from '../../src/local/assembly/model.js';
import type { AmplifyOutputs } from '../../src/local/outputs.js';
import { DATA_OPERATIONS, runModelMatrix, type MatrixCase } from './data_matrix.js';
import { ModelEvaluator } from './evaluate_data.js';
import { makeCallers, type Caller, type OffsetClock } from './identities.js';
import { dataRulesOf, storageRulesOf, type ModelRules, type StoragePathRule } from './rules.js';
import { runStorageMatrix } from './storage_matrix.js';
import { AmplifyData } from './transport.js';

export interface MatrixTarget {
  endpoint: string;
  outputs: AmplifyOutputs;
  model: BackendModel;
  caCertPath: string;
  clock: OffsetClock;
  outbox(filter: { channel: 'email'; to: string }): Promise<{ code?: string }[]>;
}

export interface MatrixOptions {
  /** Only these models (default all). */
  models?: string[];
  /** Only the first N storage paths (default all). */
  storagePaths?: number;
  /** Judge against altered rules (to show that the comparison can fail). */
  alterModel?(m: ModelRules): ModelRules;
  alterStorage?(rules: StoragePathRule[]): StoragePathRule[];
  quietMs?: number;
  /** A token the Lambda authorizer accepts: adds a `lambda` caller. */
  lambdaToken?: string;
}

export interface MatrixReport {
  cases: MatrixCase[];
  mismatches: MatrixCase[];
  dimensions: { models: string[]; dataOperations: number; storagePaths: string[]; storageActions: number; callers: string[] };
  ms: number;
}

/** Every group any rule names: one caller per group is made. */
function groupsNamed(models: ModelRules[], storage: StoragePathRule[]): string[] {
  const fromData = models.flatMap((m) => [...m.rules, ...Object.values(m.fieldRules).flat()].flatMap((r) => r.groups ?? []));
  const fromStorage = storage.flatMap((r) => Object.keys(r.access).filter((k) => k.startsWith('groups')).map((k) => k.slice('groups'.length)));
  return [...new Set([...fromData, ...fromStorage])];
}

export async function runMatrix(target: MatrixTarget, opts: MatrixOptions = {}): Promise<MatrixReport> {
  const started = Date.now();
  const data = dataRulesOf(target.model);
  const models = (data?.models ?? []).filter((m) => !opts.models || opts.models.includes(m.name));
  const storage = storageRulesOf(target.model);
  const storagePaths = storage.slice(0, opts.storagePaths ?? storage.length);
  const callers: Caller[] = await makeCallers({ endpoint: target.endpoint, outputs: target.outputs, model: target.model, clock: target.clock, groups: groupsNamed(models, storage), outbox: target.outbox, lambdaToken: opts.lambdaToken });
  const client = new AmplifyData(target.outputs);
  const cases: MatrixCase[] = [];
  if (data && target.outputs.data) {
    for (const m of models) {
      const evaluator = new ModelEvaluator(opts.alterModel ? opts.alterModel(m) : m);
      cases.push(...(await runModelMatrix({ graphqlUrl: target.outputs.data.url, region: target.model.region, caCertPath: target.caCertPath, client, quietMs: opts.quietMs }, m, data, callers, evaluator)));
    }
  }
  if (storagePaths.length) {
    cases.push(...(await runStorageMatrix(client, storage, callers, { region: target.model.region, paths: storagePaths, expect: opts.alterStorage?.(storage) })));
  }
  return {
    cases,
    mismatches: cases.filter((c) => !c.ok),
    dimensions: {
      models: models.map((m) => m.name),
      dataOperations: DATA_OPERATIONS.length,
      storagePaths: storagePaths.map((p) => `${p.bucket}:${p.path}`),
      storageActions: 4,
      callers: callers.map((c) => c.name),
    },
    ms: Date.now() - started,
  };
}

/** The report as the CLI prints it. */
export function formatReport(r: MatrixReport, opts: { everyCase?: boolean } = {}): string {
  const lines: string[] = [];
  const d = r.dimensions;
  const data = r.cases.filter((c) => c.area === 'data');
  const storage = r.cases.filter((c) => c.area === 'storage');
  const storageCallers = new Set(storage.map((c) => c.caller)).size;
  lines.push(`authorization matrix: ${r.cases.length} cases, ${r.mismatches.length} mismatches, ${(r.ms / 1000).toFixed(1)} s`);
  const fieldCases = data.filter((c) => c.operation.includes('.')).length;
  lines.push(`  data:    ${d.models.length} models × ${d.dataOperations} operations × ${d.callers.length} callers + ${fieldCases} field-rule, co-owner and index cases = ${data.length} cases  [${d.models.join(', ')}]`);
  lines.push(`  storage: ${d.storagePaths.length} paths × ${d.storageActions} actions × ${storageCallers} callers = ${storage.length} cases  [${d.storagePaths.join(', ')}]`);
  lines.push(`  callers: ${d.callers.join(', ')}`);
  const byTransport = new Map<string, number>();
  for (const c of r.cases) byTransport.set(c.transport, (byTransport.get(c.transport) ?? 0) + 1);
  lines.push(`  transport: ${[...byTransport].map(([t, n]) => `${t} ${n}`).join(', ')}  (aws-amplify: generateClient / Storage with the caller's authMode; raw-ws: the client's realtime protocol, all callers subscribed at once)`);
  if (opts.everyCase) lines.push(['', 'area', 'target', 'operation', 'caller', 'transport', 'expected', 'actual'].join('\t'));
  if (opts.everyCase) for (const c of r.cases) lines.push([c.ok ? ' ' : '✗', c.area, c.target, c.operation, c.caller, c.transport, c.expected, c.actual].join('\t'));
  for (const m of r.mismatches) lines.push(`MISMATCH ${m.area} ${m.target} ${m.operation} as ${m.caller} via ${m.transport}: expected ${m.expected}, actual ${m.actual}`);
  return lines.join('\n');
}
