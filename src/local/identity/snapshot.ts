/**
 * The identity part of a snapshot: `identity/identities.json`, every identity id with its identity
 * pool and the user-pool logins linked to it, so a user who signs in after an import gets the
 * identity id (and the `private/<identityId>/` files) they had. Issued AWS credentials are not kept.
 */
import path from 'node:path';
import type { IdentityPoolModel } from '../assembly/model.js';
import type { PreparedImport, ServiceSnapshot } from '../core/service.js';
import { SnapshotError, isRecord, readJsonIfPresent, writeJson } from '../core/snapshot_format.js';
import type { IdentityRecord, IdentityStore, LinkedLogin } from './identity_store.js';

export const IDENTITIES_FILE = 'identities.json';

interface SnapshotIdentity {
  identityId: string;
  identityPoolId: string;
  /** The pool's logical id, to find it in a backend where its id differs. */
  identityPoolLogicalId?: string;
  createdAt: string;
  lastModifiedAt: string;
  logins: Record<string, LinkedLogin>;
}

function bad(where: string, what: string): SnapshotError {
  return new SnapshotError(`identity: ${where} ${what}`, 'Fix the entry in identity/identities.json, or export the snapshot again.');
}

function parse(raw: unknown, where: string): SnapshotIdentity {
  if (!isRecord(raw) || typeof raw.identityId !== 'string' || !/^[a-z0-9-]+:[0-9a-f-]{36}$/.test(raw.identityId)) throw bad(where, 'needs an "identityId" like us-east-1:<uuid>');
  if (typeof raw.identityPoolId !== 'string') throw bad(where, 'needs an "identityPoolId"');
  for (const f of ['createdAt', 'lastModifiedAt'] as const) {
    if (typeof raw[f] !== 'string' || Number.isNaN(Date.parse(raw[f] as string))) throw bad(where, `"${f}" must be an ISO date`);
  }
  if (!isRecord(raw.logins) || Object.values(raw.logins).some((l) => !isRecord(l) || typeof l.sub !== 'string')) throw bad(where, '"logins" must map user pool ids to { sub, username }');
  return raw as unknown as SnapshotIdentity;
}

export function identitySnapshot(pools: readonly IdentityPoolModel[], store: IdentityStore): ServiceSnapshot {
  return {
    async export(dir) {
      const identities = store.allIdentities();
      if (identities.length) {
        const logical = new Map(pools.map((p) => [p.id, p.logicalId]));
        writeJson(path.join(dir, IDENTITIES_FILE), {
          identities: identities.map((r): SnapshotIdentity => ({
            identityId: r.identityId,
            identityPoolId: r.identityPoolId,
            ...(logical.has(r.identityPoolId) ? { identityPoolLogicalId: logical.get(r.identityPoolId) } : {}),
            createdAt: new Date(r.createdAt).toISOString(),
            lastModifiedAt: new Date(r.lastModifiedAt).toISOString(),
            logins: r.logins,
          })),
        });
      }
      return { counts: { identities: identities.length } };
    },

    async prepareImport(dir) {
      const file = path.join(dir, IDENTITIES_FILE);
      const doc = readJsonIfPresent<unknown>(file, 'identity') ?? { identities: [] };
      if (!isRecord(doc) || !Array.isArray(doc.identities)) throw bad(IDENTITIES_FILE, 'needs an "identities" list');
      const warnings: string[] = [];
      const records: IdentityRecord[] = [];
      const seen = new Set<string>();
      const skipped = new Map<string, number>();
      doc.identities.forEach((raw, i) => {
        const s = parse(raw, `${IDENTITIES_FILE} identity ${i + 1}`);
        const pool = pools.find((p) => p.id === s.identityPoolId) ?? pools.find((p) => s.identityPoolLogicalId !== undefined && p.logicalId === s.identityPoolLogicalId);
        if (!pool) {
          skipped.set(s.identityPoolId, (skipped.get(s.identityPoolId) ?? 0) + 1);
          return;
        }
        // An identity id starts with its pool's region.
        const identityId = `${pool.id.split(':')[0]}:${s.identityId.split(':')[1]}`;
        // A pool found by logical id (another region or backend name) trusts user pools of other ids too:
        // a login of a user pool it does not list moves to its only provider, where the user (same sub) now is.
        const providers = pool.providers.map((p) => p.userPoolId);
        const relink = (userPoolId: string) => (providers.includes(userPoolId) || providers.length !== 1 ? userPoolId : providers[0]);
        if (seen.has(identityId)) throw bad(`${IDENTITIES_FILE} identity ${i + 1}`, `repeats identity id ${identityId}`);
        seen.add(identityId);
        records.push({
          identityId,
          identityPoolId: pool.id,
          createdAt: Date.parse(s.createdAt),
          lastModifiedAt: Date.parse(s.lastModifiedAt),
          logins: Object.fromEntries(Object.entries(s.logins).map(([k, l]) => [relink(k), { sub: l.sub, ...(typeof l.username === 'string' ? { username: l.username } : {}) }])),
        });
      });
      for (const [id, n] of skipped) warnings.push(`identity pool ${id} is not in this backend: its ${n} identit${n === 1 ? 'y is' : 'ies are'} skipped`);
      const plan: PreparedImport = {
        counts: { identities: records.length },
        warnings,
        async apply() {
          store.replaceIdentities(records);
        },
      };
      return plan;
    },
  };
}
