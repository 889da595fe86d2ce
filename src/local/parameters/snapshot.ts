/**
 * The parameters part of a snapshot: `parameters/parameters.json`, every String and StringList
 * parameter with its version history. SecureString parameters — `secret()` values set with
 * `npm run local:secret` — are never written to a snapshot (seed data gets committed), and an
 * import leaves the ones already set here in place.
 */
import path from 'node:path';
import type { PreparedImport, ServiceSnapshot } from '../core/service.js';
import { SnapshotError, isRecord, readJsonIfPresent, writeJson } from '../core/snapshot_format.js';
import { SsmError } from './errors.js';
import { checkParameterName } from './parameter_names.js';
import { current, PARAMETER_TYPES, type ParameterStore, type ParameterVersion, type StoredParameter } from './parameter_store.js';

export const PARAMETERS_FILE = 'parameters.json';

const isSecure = (p: StoredParameter) => current(p).type === 'SecureString';

function bad(where: string, what: string): SnapshotError {
  return new SnapshotError(`parameters: ${where} ${what}`, 'Fix the entry in parameters/parameters.json, or export the snapshot again.');
}

function parseVersion(raw: unknown, where: string): ParameterVersion {
  if (!isRecord(raw) || typeof raw.version !== 'number' || typeof raw.value !== 'string' || raw.value.length === 0) throw bad(where, 'needs "version" and a non-empty "value"');
  if (!PARAMETER_TYPES.includes(raw.type as ParameterVersion['type'])) throw bad(where, `"type" must be one of ${PARAMETER_TYPES.join(', ')}`);
  if (raw.type === 'SecureString') throw bad(where, 'is a SecureString: snapshots do not hold secrets (set them with `npm run local:secret`)');
  if (raw.tier !== 'Standard' && raw.tier !== 'Advanced') throw bad(where, '"tier" must be Standard or Advanced');
  if (typeof raw.modifiedAt !== 'number' || typeof raw.modifiedBy !== 'string') throw bad(where, 'needs "modifiedAt" (epoch ms) and "modifiedBy"');
  if (!Array.isArray(raw.labels) || raw.labels.some((l) => typeof l !== 'string')) throw bad(where, '"labels" must be a list');
  return { ...(raw as unknown as ParameterVersion), dataType: typeof raw.dataType === 'string' ? raw.dataType : 'text' };
}

export function parametersSnapshot(store: ParameterStore): ServiceSnapshot {
  return {
    async export(dir) {
      const all = store.list();
      const plain = all.filter((p) => !isSecure(p));
      if (plain.length) writeJson(path.join(dir, PARAMETERS_FILE), { parameters: plain });
      const secrets = all.length - plain.length;
      return { counts: { parameters: plain.length }, warnings: secrets ? [`${secrets} SecureString parameter(s) not exported (secrets stay out of snapshots)`] : [] };
    },

    async prepareImport(dir) {
      const doc = readJsonIfPresent<unknown>(path.join(dir, PARAMETERS_FILE), 'parameters') ?? { parameters: [] };
      if (!isRecord(doc) || !Array.isArray(doc.parameters)) throw bad(PARAMETERS_FILE, 'needs a "parameters" list');
      const parsed: StoredParameter[] = [];
      const names = new Set<string>();
      doc.parameters.forEach((raw, i) => {
        const where = `${PARAMETERS_FILE} parameter ${i + 1}`;
        if (!isRecord(raw) || typeof raw.name !== 'string') throw bad(where, 'needs a "name"');
        try {
          checkParameterName(raw.name);
        } catch (err) {
          if (err instanceof SsmError) throw bad(`${where} (${raw.name})`, `has an invalid name: ${err.message}`);
          throw err;
        }
        if (names.has(raw.name)) throw bad(where, `repeats ${raw.name}`);
        names.add(raw.name);
        if (!Array.isArray(raw.versions) || raw.versions.length === 0) throw bad(`${where} (${raw.name})`, 'needs at least one entry in "versions"');
        parsed.push({ name: raw.name, versions: raw.versions.map((v, j) => parseVersion(v, `${where} (${raw.name}) version ${j + 1}`)) });
      });
      const plan: PreparedImport = {
        counts: { parameters: parsed.length },
        warnings: [],
        async apply() {
          store.replaceAll(parsed, (p) => isSecure(p) && !names.has(p.name));
        },
      };
      return plan;
    },
  };
}
