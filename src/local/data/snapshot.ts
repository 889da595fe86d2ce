/**
 * The data part of a snapshot: `data/<Model>.jsonl` per table, one item per line in DynamoDB JSON
 * (`{"id":{"S":"…"}}`), named after the model the table backs (the table's logical id for tables
 * no model owns) — not after the physical name, which carries the API id. Empty tables have no file.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { TableModel } from '../assembly/model.js';
import type { PreparedImport, ServiceSnapshot } from '../core/service.js';
import { SnapshotError, isRecord, jsonlValues, partFileName, readJsonl, writeJsonl } from '../core/snapshot_format.js';
import { DynamoDbError } from './dynamo/dynalite.js';
import { LocalDynamo } from './dynamo/local_dynamo.js';

type Item = Record<string, unknown>;
const SUFFIX = '.jsonl';

export function tableFileName(t: TableModel): string {
  return `${partFileName(t.modelName ?? t.logicalId)}${SUFFIX}`;
}

/** The DynamoDB type letter of a key value (`S`, `N`, `B`), or undefined when it is not one. */
function keyType(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 && ['S', 'N', 'B'].includes(keys[0]) ? keys[0] : undefined;
}

/** The key attributes the table and its indexes need, with their types. */
function keyChecks(t: TableModel): { table: Map<string, string>; indexes: Map<string, string> } {
  const types = new Map(t.attributeDefinitions.map((a) => [a.attributeName, a.attributeType]));
  const table = new Map(t.keySchema.map((k) => [k.attributeName, types.get(k.attributeName) ?? 'S']));
  const indexes = new Map<string, string>();
  for (const i of [...t.globalSecondaryIndexes, ...t.localSecondaryIndexes]) {
    for (const k of i.keySchema) indexes.set(k.attributeName, types.get(k.attributeName) ?? 'S');
  }
  return { table, indexes };
}

/** Why an item does not fit the table's keys, or undefined when it does. */
export function keyProblem(t: TableModel, item: Item): string | undefined {
  const { table, indexes } = keyChecks(t);
  for (const [name, type] of table) {
    if (!(name in item)) return `has no key attribute "${name}" (the table's key is ${[...table.keys()].join(' + ')})`;
    const got = keyType(item[name]);
    if (got !== type) return `key attribute "${name}" must be of type ${type}, got ${got ?? JSON.stringify(item[name])}`;
  }
  for (const [name, type] of indexes) {
    if (name in item && keyType(item[name]) !== type) return `index key attribute "${name}" must be of type ${type}, got ${keyType(item[name]) ?? JSON.stringify(item[name])}`;
  }
  return undefined;
}

export function dataSnapshot(tables: readonly TableModel[], dynamo: () => LocalDynamo | undefined, problem: () => string | undefined): ServiceSnapshot {
  const running = (): LocalDynamo => {
    const d = dynamo();
    if (!d) {
      throw new SnapshotError(
        `data: the GraphQL API is not running here (${problem() ?? 'no data model'}), so its items cannot be imported`,
        'Fix the start-up problem shown in the banner, or remove the data/ folder from the snapshot.',
      );
    }
    return d;
  };

  return {
    async export(dir): Promise<{ counts: Record<string, number>; warnings?: string[] }> {
      const d = dynamo();
      if (!d) return { counts: {} as Record<string, number>, warnings: tables.length ? [`items not exported: the GraphQL API is not running (${problem() ?? 'unknown'})`] : [] };
      let items = 0;
      let written = 0;
      for (const t of tables) {
        async function* all() {
          for await (const page of d!.scanPages(t.tableName)) yield* page;
        }
        const file = path.join(dir, tableFileName(t));
        const n = await writeJsonl(file, all());
        if (n === 0) rmSync(file, { force: true });
        else written += 1;
        items += n;
      }
      return { counts: { tables: written, items } };
    },

    async prepareImport(dir) {
      const warnings: string[] = [];
      const byFile = new Map(tables.map((t) => [tableFileName(t), t]));
      const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(SUFFIX)).sort() : [];
      const planned: { table: TableModel; file: string; count: number }[] = [];
      const unknown = files.filter((f) => !byFile.has(f));
      if (unknown.length) {
        warnings.push(`skipped ${unknown.join(', ')}: no such model in this backend (tables here: ${[...byFile.keys()].map((f) => f.slice(0, -SUFFIX.length)).join(', ') || 'none'})`);
      }
      const known = files.filter((f) => byFile.has(f));
      const d = known.length ? running() : undefined;
      for (const f of known) {
        const t = byFile.get(f)!;
        const file = path.join(dir, f);
        const seen = new Set<string>();
        const count = await readJsonl(file, 'data', (value, line) => {
          const at = `data/${f} line ${line}`;
          if (!isRecord(value)) throw new SnapshotError(`${at}: an item must be a JSON object in DynamoDB JSON`, 'Write each item as {"attr":{"S":"value"},...}.');
          const problem = keyProblem(t, value);
          if (problem) {
            throw new SnapshotError(`${at}: the item ${problem}`, `Give every item of ${t.modelName ?? t.logicalId} the key of this backend's table, or export the snapshot again from this backend.`);
          }
          try {
            d!.checkItem(t.tableName, value);
          } catch (err) {
            if (!(err instanceof DynamoDbError)) throw err;
            throw new SnapshotError(`${at}: not a valid DynamoDB item (${err.type}: ${err.message})`, 'Write each attribute in DynamoDB JSON, e.g. {"title":{"S":"Hello"},"count":{"N":"3"}}.');
          }
          const key = JSON.stringify(t.keySchema.map((k) => value[k.attributeName]));
          if (seen.has(key)) throw new SnapshotError(`${at}: a second item with the key ${key}`, 'Keep one line per item key.');
          seen.add(key);
        });
        planned.push({ table: t, file, count });
      }
      const plan: PreparedImport = {
        counts: { tables: planned.length, items: planned.reduce((n, p) => n + p.count, 0) },
        warnings,
        async apply() {
          const target = dynamo();
          if (!target) return;
          await target.reset();
          for (const p of planned) await target.restoreItems(p.table.tableName, jsonlValues(p.file) as AsyncIterable<Item>);
        },
      };
      return plan;
    },
  };
}
