/**
 * The storage half of the matrix: every bucket path × action × caller. The evaluator reads the
 * access rules the way `defineStorage` turns them into IAM policies: guests get the identity pool's
 * unauthenticated role, signed-in users the authenticated role (with `{entity_id}` standing for
 * their own identity id), members of a group that group's role; on a key, only the most specific
 * matching paths count (a sub-path's rules replace its parent's), except that a parent keeps its
 * grants over its own `{entity_id}/` sub-path.
 */
import type { Caller } from './identities.js';
import { ENTITY_TOKEN, type StoragePathRule } from './rules.js';
import type { AmplifyData, Outcome } from './transport.js';
import type { MatrixCase } from './data_matrix.js';

export type StorageAction = 'get' | 'write' | 'delete' | 'list';
export const STORAGE_ACTIONS: StorageAction[] = ['get', 'write', 'delete', 'list'];

const prefixOf = (p: string) => p.replace(/\*$/, '');

function matches(prefix: string, key: string, entity: string | undefined): boolean {
  const parts = prefix.split('{entity_id}');
  let rest = key;
  for (let i = 0; i < parts.length; i++) {
    if (!rest.startsWith(parts[i])) return false;
    rest = rest.slice(parts[i].length);
    if (i < parts.length - 1) {
      const seg = /^[^/]+/.exec(rest)?.[0];
      if (!seg || (entity !== undefined && seg !== entity)) return false;
      rest = rest.slice(seg.length);
    }
  }
  return true;
}

/** The access keys of the outputs' `paths` that speak for a caller. */
function grantsOf(c: Caller): string[] {
  if (!c.iam) return [];
  if (c.iamRole === 'guest') return ['guest'];
  if (c.groups.length) return [`groups${c.groups[0]}`];
  return ['authenticated', 'entityidentity'];
}

export function storageAllowed(rules: StoragePathRule[], bucket: string, key: string, action: StorageAction, c: Caller): boolean {
  const inBucket = rules.filter((r) => r.bucket === bucket && matches(prefixOf(r.path), key, undefined));
  const effective = inBucket.filter(
    (a) => !inBucket.some((b) => b !== a && prefixOf(b.path).startsWith(prefixOf(a.path)) && b.path.replace('{entity_id}/', '') !== a.path),
  );
  const grants = grantsOf(c);
  return effective.some((r) =>
    Object.entries(r.access).some(([who, actions]) => {
      if (!grants.includes(who) || !actions.includes(action)) return false;
      return who !== 'entityidentity' || matches(prefixOf(r.path), key, c.iam!.identityId);
    }),
  );
}

const show = (o: Outcome) => (o.kind === 'ok' ? 'allowed' : o.kind === 'refused' ? `refused (${o.detail.slice(0, 80)})` : `error (${o.detail})`);

/**
 * Runs every action of every caller on every path, with `{entity_id}` the owner's identity id.
 * Objects read or deleted are written first by a caller the rules let write (none: a read of the
 * missing key then answers NoSuchKey when allowed and AccessDenied when not, so it still counts).
 */
export async function runStorageMatrix(
  client: AmplifyData,
  rules: StoragePathRule[],
  callers: Caller[],
  opts: { region: string; paths?: StoragePathRule[]; expect?: StoragePathRule[] },
): Promise<MatrixCase[]> {
  const cases: MatrixCase[] = [];
  const owner = callers.find((c) => c.name === 'owner');
  const actors = callers.filter((c) => c.iam);
  const expectRules = opts.expect ?? rules;
  for (const rule of opts.paths ?? rules) {
    const dir = prefixOf(rule.path).replaceAll('{entity_id}', owner?.iam?.identityId ?? 'no-owner');
    const bucket = { bucketName: rule.bucket, region: opts.region };
    const target = `${rule.bucket}:${rule.path.replaceAll(ENTITY_TOKEN, '{entity_id}')}`;
    const writerFor = (key: string) => [...actors].sort((a, b) => Number(b.name === 'owner') - Number(a.name === 'owner')).find((c) => storageAllowed(rules, rule.bucket, key, 'write', c));
    const seedKey = `${dir}matrix-seed.txt`;
    const seeder = writerFor(seedKey);
    if (seeder) await client.storage(seeder, 'write', bucket, seedKey);
    for (const c of actors) {
      for (const action of STORAGE_ACTIONS) {
        const key = action === 'write' ? `${dir}matrix-by-${c.name.replace(/[^a-zA-Z0-9-]/g, '-')}.txt` : action === 'delete' ? `${dir}matrix-delete-${c.name.replace(/[^a-zA-Z0-9-]/g, '-')}.txt` : action === 'list' ? dir : seedKey;
        if (action === 'delete') {
          const w = writerFor(key);
          if (w) await client.storage(w, 'write', bucket, key);
        }
        const expected = storageAllowed(expectRules, rule.bucket, key, action, c) ? 'allowed' : 'refused';
        const res = await client.storage(c, action, bucket, key);
        const actual = show(res);
        cases.push({ area: 'storage', target, operation: action, caller: c.name, transport: 'aws-amplify', expected, actual, ok: expected === actual || (expected === 'refused' && actual.startsWith('refused')) });
      }
    }
  }
  return cases;
}
