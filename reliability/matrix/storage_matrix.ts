/**
 * The storage half of the matrix: every bucket path × action × caller. The evaluator reads the
 * outputs' `paths` (already in IAM's form: `{entity_id}` is the caller's own identity id) the way
 * `defineStorage` turns them into policies: guests get the identity pool's unauthenticated role,
 * signed-in users the authenticated role, members of a group that group's role (token-based role
 * mapping); a sub-path's rules replace its parent's for the roles it does not name.
 */
import type { Caller } from './identities.js';
import { ENTITY_TOKEN, type StoragePathRule } from './rules.js';
import type { AmplifyData, Outcome } from './transport.js';
import type { MatrixCase } from './data_matrix.js';

export type StorageAction = 'get' | 'write' | 'delete' | 'list';
export const STORAGE_ACTIONS: StorageAction[] = ['get', 'write', 'delete', 'list'];

const prefixOf = (p: string) => p.replace(/\*$/, '');

/** IAM's resource match: `*` is any run of characters, `{entity_id}` the caller's identity id. */
function iamMatch(pattern: string, key: string, identityId: string | undefined): boolean {
  if (pattern.includes('{entity_id}') && !identityId) return false;
  const text = pattern.replaceAll('{entity_id}', identityId ?? '');
  const re = new RegExp(`^${text.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(key);
}

/** The IAM role a caller's credentials carry, as the access keys of `paths` name its grants. */
function roleOf(c: Caller): string | undefined {
  if (!c.iam) return undefined;
  if (c.iamRole === 'guest') return 'unauth';
  return c.groups.length ? `group:${c.groups[0]}` : 'auth';
}

function roleOfAccessKey(key: string): string | undefined {
  if (key === 'guest') return 'unauth';
  if (key === 'authenticated' || key === 'entityidentity') return 'auth';
  if (key.startsWith('groups')) return `group:${key.slice('groups'.length)}`;
  return undefined; // functions' own roles (allow.resource)
}

/**
 * Allowed when one of the role's allow prefixes for the action matches and none of its deny prefixes
 * does. As `defineStorage` builds them: a path with a parent path gets, for every role and action the
 * parent allows, a deny — unless the same role and action allow the sub-path too, or the sub-path is
 * just the parent plus `{entity_id}/`.
 */
export function storageAllowed(rules: StoragePathRule[], bucket: string, key: string, action: StorageAction, c: Caller): boolean {
  const role = roleOf(c);
  if (!role) return false;
  const paths = rules.filter((r) => r.bucket === bucket);
  const allows = (path: StoragePathRule) => Object.entries(path.access).some(([k, actions]) => roleOfAccessKey(k) === role && actions.includes(action));
  const all = paths.map((p) => p.path);
  const parentOf = (p: string) => all.find((q) => q !== p && p.startsWith(q.replaceAll('*', '')));
  const denied = paths.filter((sub) => {
    const parent = parentOf(sub.path);
    if (!parent || parent === sub.path.replaceAll('{entity_id}/', '')) return false;
    return paths.some((q) => q.path === parent && allows(q)) && !allows(sub);
  });
  const id = c.iam?.identityId;
  return paths.some((p) => allows(p) && iamMatch(p.path, key, id)) && !denied.some((d) => iamMatch(d.path.replaceAll('{entity_id}', '*'), key, id));
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
  const actors = callers.filter((c) => c.iam && !c.dataOnly);
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
