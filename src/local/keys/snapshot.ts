/**
 * The keys part of a snapshot: `keys/keys.json`, the local material of each KMS key of the backend
 * that has been used, so ciphertexts kept in the snapshot's items and files still decrypt after an
 * import. The material is local (generated per data dir, never AWS's): a snapshot that holds
 * ciphertexts needs it. Keys are matched by key id, then by alias.
 */
import path from 'node:path';
import type { KmsKeyModel } from '../assembly/model.js';
import type { PreparedImport, ServiceSnapshot } from '../core/service.js';
import { SnapshotError, isRecord, readJsonIfPresent, writeJson } from '../core/snapshot_format.js';
import type { KeyMaterialStore } from './key_material.js';

export const KEYS_FILE = 'keys.json';

interface SnapshotKey {
  keyId: string;
  arn: string;
  aliases: string[];
  /** 256-bit symmetric material, base64. */
  material: string;
  createdAt: string;
}

function bad(where: string, what: string): SnapshotError {
  return new SnapshotError(`keys: ${where} ${what}`, 'Fix the entry in keys/keys.json, or export the snapshot again.');
}

export function keysSnapshot(keys: readonly KmsKeyModel[], material: KeyMaterialStore): ServiceSnapshot {
  return {
    async export(dir) {
      const entries = material.entries();
      const out: SnapshotKey[] = keys
        .filter((k) => entries[k.keyId])
        .map((k) => ({ keyId: k.keyId, arn: k.arn, aliases: k.aliases, material: entries[k.keyId].material, createdAt: new Date(entries[k.keyId].createdAt).toISOString() }));
      if (out.length) writeJson(path.join(dir, KEYS_FILE), { keys: out });
      return { counts: { keys: out.length } };
    },

    async prepareImport(dir) {
      const doc = readJsonIfPresent<unknown>(path.join(dir, KEYS_FILE), 'keys') ?? { keys: [] };
      if (!isRecord(doc) || !Array.isArray(doc.keys)) throw bad(KEYS_FILE, 'needs a "keys" list');
      const warnings: string[] = [];
      const replace: Record<string, { material: string; createdAt: number }> = {};
      doc.keys.forEach((raw, i) => {
        const where = `${KEYS_FILE} key ${i + 1}`;
        if (!isRecord(raw) || typeof raw.keyId !== 'string') throw bad(where, 'needs a "keyId"');
        if (typeof raw.material !== 'string' || Buffer.from(raw.material, 'base64').length !== 32) throw bad(where, '"material" must be 32 bytes in base64');
        const createdAt = typeof raw.createdAt === 'string' ? Date.parse(raw.createdAt) : Number.NaN;
        if (Number.isNaN(createdAt)) throw bad(where, '"createdAt" must be an ISO date');
        const aliases = Array.isArray(raw.aliases) ? raw.aliases.filter((a): a is string => typeof a === 'string') : [];
        const key = keys.find((k) => k.keyId === raw.keyId) ?? keys.find((k) => k.aliases.some((a) => aliases.includes(a)));
        if (!key) {
          warnings.push(`key ${raw.keyId}${aliases.length ? ` (${aliases.join(', ')})` : ''} is not in this backend: skipped`);
          return;
        }
        if (replace[key.keyId]) throw bad(where, `is a second entry for key ${key.keyId}`);
        replace[key.keyId] = { material: raw.material, createdAt };
      });
      const plan: PreparedImport = {
        counts: { keys: Object.keys(replace).length },
        warnings,
        async apply() {
          material.replace(replace);
        },
      };
      return plan;
    },
  };
}
