import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { UserPoolClientModel } from '../../../src/local/assembly/model.js';
import { loadOrCreateSigningKey } from '../../../src/local/auth/keys.js';
import { groupRoleClaims, TokenIssuer } from '../../../src/local/auth/token_issuer.js';
import type { UserRecord } from '../../../src/local/auth/user_store.js';
import { cryptoIds, systemClock } from '../../../src/local/core/clock.js';

/**
 * Cognito puts the IAM roles of a user's groups into the ID token (`cognito:roles`, and
 * `cognito:preferred_role` for the group with the lowest precedence); the identity pool's Token role
 * mapping reads them, so without them a group member gets the authenticated role instead of the group's.
 */

const EDITORS = 'arn:aws:iam::123456789012:role/editors';
const AUDITORS = 'arn:aws:iam::123456789012:role/auditors';
const groups = [
  { name: 'Editors', precedence: 0, roleArn: EDITORS },
  { name: 'Auditors', precedence: 1, roleArn: AUDITORS },
  { name: 'Plain', precedence: 2 },
];

const payload = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
const dir = mkdtempSync(path.join(tmpdir(), 'group-roles-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('group roles in ID tokens', () => {
  it("lists the roles of the user's groups by precedence and prefers the lowest precedence's", () => {
    expect(groupRoleClaims(['Auditors', 'Editors', 'Plain'], groups)).toEqual({ 'cognito:roles': [EDITORS, AUDITORS], 'cognito:preferred_role': EDITORS });
    expect(groupRoleClaims(['Auditors'], groups)).toEqual({ 'cognito:roles': [AUDITORS], 'cognito:preferred_role': AUDITORS });
  });

  it('has no role claims for groups without roles, or no groups', () => {
    expect(groupRoleClaims(['Plain'], groups)).toEqual({});
    expect(groupRoleClaims([], groups)).toEqual({});
  });

  it('prefers no role when groups tied for the lowest precedence have different roles', () => {
    const tied = [
      { name: 'A', precedence: 1, roleArn: EDITORS },
      { name: 'B', precedence: 1, roleArn: AUDITORS },
    ];
    expect(groupRoleClaims(['A', 'B'], tied)).toEqual({ 'cognito:roles': [EDITORS, AUDITORS] });
    expect(groupRoleClaims(['A', 'B'], tied.map((g) => ({ ...g, roleArn: EDITORS })))).toEqual({ 'cognito:roles': [EDITORS], 'cognito:preferred_role': EDITORS });
  });

  it('puts them in the ID token only, as Cognito does', () => {
    const key = loadOrCreateSigningKey(dir, 'us-east-1_test', () => cryptoIds.bytes(16), () => Date.now());
    const issuer = new TokenIssuer(key, 'https://example.test/us-east-1_test', systemClock, cryptoIds, () => groups);
    const user = { username: 'u', sub: 's', attributes: {}, groups: ['Auditors'] } as unknown as UserRecord;
    const client = { id: 'c', accessTokenValidityMinutes: 60, idTokenValidityMinutes: 60 } as UserPoolClientModel;
    const tokens = issuer.issue(user, client, { originJti: 'o', authTime: 1 });
    expect(payload(tokens.IdToken)).toMatchObject({ 'cognito:groups': ['Auditors'], 'cognito:roles': [AUDITORS], 'cognito:preferred_role': AUDITORS });
    expect(payload(tokens.AccessToken)).not.toHaveProperty('cognito:roles');
    expect(payload(tokens.AccessToken)).not.toHaveProperty('cognito:preferred_role');
  });
});
