import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceSnapshot } from '../../../src/local/core/service.js';
import { authHarness, authModel, authResult, backendModel, CLIENT_ID, decodePayload, POOL_ID, srpSignIn, type AuthHarness } from './harness.js';

const open: AuthHarness[] = [];
const dirs: string[] = [];

async function harness(model = backendModel()): Promise<AuthHarness> {
  const h = await authHarness({ model });
  open.push(h);
  return h;
}

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'auth-snapshot-'));
  dirs.push(d);
  return d;
}

const snapshotOf = (h: AuthHarness): ServiceSnapshot => h.service.snapshot!;

afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A pool with one confirmed user in the Admins group, exported into a fresh folder. */
async function exported(): Promise<{ dir: string; sub: string }> {
  const a = await harness();
  const sub = await a.signUpConfirmed('ada@example.com');
  expect((await a.call('AdminAddUserToGroup', { UserPoolId: POOL_ID, Username: sub, GroupName: 'Admins' })).status).toBe(200);
  const dir = tempDir();
  expect((await snapshotOf(a).export(dir)).counts).toEqual({ 'user pools': 1, users: 1 });
  return { dir, sub };
}

const usersFile = (dir: string, poolId = POOL_ID) => path.join(dir, poolId, 'users.json');

describe('auth snapshot', () => {
  it('keeps the SRP verifier, never the password, and the imported user signs in with it, in their group', async () => {
    const { dir, sub } = await exported();
    const text = readFileSync(usersFile(dir), 'utf8');
    expect(text).not.toContain('Passw0rd!');
    expect(JSON.parse(text).users[0]).toMatchObject({ username: sub, status: 'CONFIRMED', groups: ['Admins'], password: { salt: expect.stringMatching(/^[0-9a-f]+$/) } });

    const b = await harness();
    const plan = await snapshotOf(b).prepareImport(dir);
    expect([plan.counts, plan.warnings]).toEqual([{ 'user pools': 1, users: 1 }, []]);
    await plan.apply();
    const signedIn = await b.srpSignIn('ada@example.com');
    expect(signedIn.status).toBe(200);
    expect(decodePayload(authResult(signedIn).IdToken)['cognito:groups']).toEqual(['Admins']);
    // Written through: a restart still has the user.
    await b.restart();
    expect((await b.srpSignIn('ada@example.com')).status).toBe(200);
  });

  it('brings users into a pool of another id as RESET_REQUIRED, since the verifier is bound to the pool id', async () => {
    const { dir } = await exported();
    const otherId = 'us-west-2_ZzZzZz999';
    const b = await harness(backendModel(authModel({ pool: { id: otherId } })));
    const plan = await snapshotOf(b).prepareImport(dir);
    expect(plan.warnings.join('\n')).toContain(`user pool ${POOL_ID} imported into ${otherId}`);
    await plan.apply();
    const user = await b.call('AdminGetUser', { UserPoolId: otherId, Username: 'ada@example.com' });
    expect(user.body.UserStatus).toBe('RESET_REQUIRED');
    // The way back in is Cognito's: forgot password, then the new one signs in.
    expect((await b.call('ForgotPassword', { ClientId: CLIENT_ID, Username: 'ada@example.com' })).status).toBe(200);
    const reset = await b.call('ConfirmForgotPassword', { ClientId: CLIENT_ID, Username: 'ada@example.com', ConfirmationCode: b.outbox.lastCode('ada@example.com'), Password: 'N3w-Passw0rd!' });
    expect(reset.status).toBe(200);
    expect((await srpSignIn(b.call, b.clock.now(), 'ada@example.com', 'N3w-Passw0rd!', CLIENT_ID, otherId)).status).toBe(200);
  });

  it('skips a pool this backend does not have, and groups it does not define, with a warning', async () => {
    const { dir } = await exported();
    const b = await harness(backendModel(authModel({ pool: { id: 'us-east-1_Other0001', logicalId: 'SomeOtherPool' } })));
    const plan = await snapshotOf(b).prepareImport(dir);
    expect(plan.counts).toEqual({ 'user pools': 0, users: 0 });
    expect(plan.warnings[0]).toMatch(/user pool us-east-1_AbCdEf123 is not in this backend: its 1 user\(s\) are skipped/);

    const c = await harness(backendModel(authModel({ pool: { groups: [] } })));
    const kept = await snapshotOf(c).prepareImport(dir);
    expect(kept.warnings).toEqual([`user pool ${POOL_ID} has no group Admins: users keep their other groups`]);
  });

  it('rejects a clear-text password or a duplicate user before changing anything', async () => {
    const { dir } = await exported();
    const b = await harness();
    await b.signUpConfirmed('kept@example.com');
    const doc = JSON.parse(readFileSync(usersFile(dir), 'utf8'));
    writeFileSync(usersFile(dir), JSON.stringify({ ...doc, users: [{ ...doc.users[0], password: 'Passw0rd!' }] }));
    await expect(snapshotOf(b).prepareImport(dir)).rejects.toMatchObject({ name: 'SnapshotError', message: expect.stringContaining('snapshots never hold passwords') });
    writeFileSync(usersFile(dir), JSON.stringify({ ...doc, users: [doc.users[0], doc.users[0]] }));
    await expect(snapshotOf(b).prepareImport(dir)).rejects.toThrow(/appears twice/);
    expect((await b.srpSignIn('kept@example.com')).status).toBe(200);
  });
});
