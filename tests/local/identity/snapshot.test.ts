import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IdentityPoolModel } from '../../../src/local/assembly/model.js';
import { cryptoIds, ManualClock } from '../../../src/local/core/clock.js';
import { IdentityStore } from '../../../src/local/identity/identity_store.js';
import { identitySnapshot } from '../../../src/local/identity/snapshot.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'identity-snapshot-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const pool = (id: string, logicalId = 'IdentityPool'): IdentityPoolModel => ({ logicalId, id, name: 'pool', allowUnauthenticated: true, providers: [] });
const store = () => {
  const dir = tempDir();
  return new IdentityStore(() => dir, new ManualClock(Date.UTC(2026, 0, 1)), cryptoIds);
};

describe('identity snapshot', () => {
  it('keeps identity ids and their logins; credentials stay behind', async () => {
    const source = store();
    const guest = source.create('us-east-1:11111111-1111-4111-8111-111111111111', {});
    const user = source.create('us-east-1:11111111-1111-4111-8111-111111111111', { 'us-east-1_Pool': { sub: 'sub-1', username: 'ada' } });
    source.issue({ roleArn: 'arn:aws:iam::1:role/r', kind: 'function', functionName: 'f' }, 900, true);
    const dir = tempDir();
    const pools = [pool('us-east-1:11111111-1111-4111-8111-111111111111')];
    expect((await identitySnapshot(pools, source).export(dir)).counts).toEqual({ identities: 2 });
    expect(readFileSync(path.join(dir, 'identities.json'), 'utf8')).not.toContain('secretAccessKey');

    const target = store();
    await (await identitySnapshot(pools, target).prepareImport(dir)).apply();
    expect(target.findByLogin(pools[0].id, 'us-east-1_Pool', 'sub-1')?.identityId).toBe(user.identityId);
    expect(target.get(guest.identityId)).toBeDefined();
    expect(target.stats()).toEqual({ identities: 2, credentials: 0 });
  });

  it('finds a pool of another id by its logical id, and skips identities of pools this backend lacks', async () => {
    const source = store();
    const rec = source.create('us-east-1:11111111-1111-4111-8111-111111111111', {});
    const linked = source.create('us-east-1:11111111-1111-4111-8111-111111111111', { 'us-east-1_OldPool': { sub: 'sub-2' } });
    const dir = tempDir();
    await identitySnapshot([pool('us-east-1:11111111-1111-4111-8111-111111111111')], source).export(dir);

    const moved = store();
    const target = { ...pool('eu-west-1:22222222-2222-4222-8222-222222222222'), providers: [{ userPoolId: 'eu-west-1_NewPool', clientId: 'c' }] };
    const plan = await identitySnapshot([target], moved).prepareImport(dir);
    await plan.apply();
    expect(moved.get(`eu-west-1:${rec.identityId.split(':')[1]}`)?.identityPoolId).toBe(target.id);
    // The user's login follows them to the pool's only provider: signing in there finds the same identity.
    expect(moved.findByLogin(target.id, 'eu-west-1_NewPool', 'sub-2')?.identityId).toBe(`eu-west-1:${linked.identityId.split(':')[1]}`);

    const other = await identitySnapshot([pool('us-east-1:33333333-3333-4333-8333-333333333333', 'Other')], store()).prepareImport(dir);
    expect([other.counts, other.warnings]).toEqual([{ identities: 0 }, ['identity pool us-east-1:11111111-1111-4111-8111-111111111111 is not in this backend: its 2 identities are skipped']]);

    writeFileSync(path.join(dir, 'identities.json'), JSON.stringify({ identities: [{ identityId: 'not-an-id' }] }));
    await expect(identitySnapshot([], store()).prepareImport(dir)).rejects.toThrow(/needs an "identityId" like us-east-1:<uuid>/);
  });
});
