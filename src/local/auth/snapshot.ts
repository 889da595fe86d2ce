/**
 * The auth part of a snapshot: `auth/<userPoolId>/users.json` per pool. Users keep their
 * attributes, groups, status, MFA settings and their SRP verifier and salt — never a password —
 * so an imported user signs in with the password they had. What is not kept: tokens and refresh
 * sessions, pending challenges, unused confirmation codes, lockout counters, the signing key.
 *
 * The verifier is bound to the pool id (SRP hashes the pool's name with the password), so users
 * imported into a pool of another id cannot keep their password: they come in RESET_REQUIRED, as
 * Cognito's own user import does.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { UserPoolEntry } from '../assembly/model.js';
import type { PreparedImport, ServiceSnapshot } from '../core/service.js';
import { SnapshotError, isRecord, partFileName, readJson, writeJson } from '../core/snapshot_format.js';
import type { AuthPool } from './pool.js';
import type { MfaType, UserRecord, UserStatus } from './user_store.js';

export const AUTH_USERS_FILE = 'users.json';
const STATUSES: readonly UserStatus[] = ['UNCONFIRMED', 'CONFIRMED', 'FORCE_CHANGE_PASSWORD', 'RESET_REQUIRED'];
const MFA_TYPES: readonly MfaType[] = ['SMS_MFA', 'SOFTWARE_TOKEN_MFA'];
const HEX = /^[0-9a-fA-F]+$/;

/** One user as the snapshot holds it (times as ISO strings, for people reading the file). */
export interface SnapshotUser {
  username: string;
  sub: string;
  status: UserStatus;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  attributes: Record<string, string>;
  groups: string[];
  mfa: { smsEnabled: boolean; totpEnabled: boolean; preferred?: MfaType; totpSecret?: string };
  /** SRP salt and verifier (hex): what Cognito keeps instead of the password. */
  password?: { salt: string; verifier: string };
  temporaryPasswordExpiresAt?: string;
}

export interface SnapshotUsersFile {
  userPoolId: string;
  userPoolName: string;
  logicalId: string;
  users: SnapshotUser[];
}

function toSnapshot(u: UserRecord): SnapshotUser {
  return {
    username: u.username,
    sub: u.sub,
    status: u.status,
    enabled: u.enabled,
    createdAt: new Date(u.createdAt).toISOString(),
    updatedAt: new Date(u.updatedAt).toISOString(),
    attributes: u.attributes,
    groups: u.groups,
    mfa: {
      smsEnabled: u.mfa.smsEnabled,
      totpEnabled: u.mfa.totpEnabled,
      ...(u.mfa.preferred ? { preferred: u.mfa.preferred } : {}),
      ...(u.mfa.totpSecret ? { totpSecret: u.mfa.totpSecret } : {}),
    },
    ...(u.password ? { password: { salt: u.password.salt, verifier: u.password.verifier } } : {}),
    ...(u.temporaryPasswordExpiresAt !== undefined ? { temporaryPasswordExpiresAt: new Date(u.temporaryPasswordExpiresAt).toISOString() } : {}),
  };
}

function time(v: unknown, where: string): number {
  const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(t)) throw bad(where, 'must be an ISO date string');
  return t;
}

function bad(where: string, what: string): SnapshotError {
  return new SnapshotError(`auth: ${where} ${what}`, 'Fix the user in the snapshot (see README, "Seed data") or export it again.');
}

/** Checks one user of the file; throws SnapshotError naming the user and the field. */
export function parseSnapshotUser(raw: unknown, where: string): UserRecord {
  if (!isRecord(raw)) throw bad(where, 'is not an object');
  const name = typeof raw.username === 'string' && raw.username ? raw.username : undefined;
  if (!name) throw bad(where, 'has no "username"');
  const at = `${where} (${name})`;
  if (typeof raw.sub !== 'string' || !raw.sub) throw bad(at, 'has no "sub"');
  if (!STATUSES.includes(raw.status as UserStatus)) throw bad(at, `"status" must be one of ${STATUSES.join(', ')}`);
  if (typeof raw.enabled !== 'boolean') throw bad(at, '"enabled" must be true or false');
  if (!isRecord(raw.attributes) || Object.values(raw.attributes).some((v) => typeof v !== 'string')) throw bad(at, '"attributes" must map names to strings');
  if (raw.attributes.sub !== undefined && raw.attributes.sub !== raw.sub) throw bad(at, 'attribute "sub" differs from "sub"');
  if (!Array.isArray(raw.groups) || raw.groups.some((g) => typeof g !== 'string')) throw bad(at, '"groups" must be a list of group names');
  const mfa = raw.mfa;
  if (!isRecord(mfa) || typeof mfa.smsEnabled !== 'boolean' || typeof mfa.totpEnabled !== 'boolean') throw bad(at, '"mfa" needs smsEnabled and totpEnabled (true/false)');
  if (mfa.preferred !== undefined && !MFA_TYPES.includes(mfa.preferred as MfaType)) throw bad(at, `"mfa.preferred" must be one of ${MFA_TYPES.join(', ')}`);
  if (mfa.totpSecret !== undefined && (typeof mfa.totpSecret !== 'string' || !/^[A-Z2-7]+=*$/i.test(mfa.totpSecret))) throw bad(at, '"mfa.totpSecret" must be base32');
  if (mfa.totpEnabled && mfa.totpSecret === undefined) throw bad(at, 'has software-token MFA enabled but no "mfa.totpSecret"');
  let password: UserRecord['password'];
  if (raw.password !== undefined) {
    const p = raw.password;
    if (!isRecord(p) || typeof p.salt !== 'string' || !HEX.test(p.salt) || typeof p.verifier !== 'string' || !HEX.test(p.verifier)) {
      throw bad(at, '"password" must be { salt, verifier } in hex (an SRP verifier; snapshots never hold passwords)');
    }
    password = { salt: p.salt, verifier: p.verifier };
  }
  if ((raw.status === 'CONFIRMED' || raw.status === 'FORCE_CHANGE_PASSWORD') && !password) throw bad(at, `is ${raw.status} but has no "password" verifier`);
  return {
    username: name,
    sub: raw.sub,
    attributes: { ...(raw.attributes as Record<string, string>), sub: raw.sub },
    status: raw.status as UserStatus,
    enabled: raw.enabled,
    createdAt: time(raw.createdAt, `${at} "createdAt"`),
    updatedAt: time(raw.updatedAt, `${at} "updatedAt"`),
    ...(password ? { password } : {}),
    ...(raw.temporaryPasswordExpiresAt !== undefined ? { temporaryPasswordExpiresAt: time(raw.temporaryPasswordExpiresAt, `${at} "temporaryPasswordExpiresAt"`) } : {}),
    groups: [...(raw.groups as string[])],
    mfa: {
      smsEnabled: mfa.smsEnabled,
      totpEnabled: mfa.totpEnabled,
      ...(mfa.preferred ? { preferred: mfa.preferred as MfaType } : {}),
      ...(mfa.totpSecret ? { totpSecret: mfa.totpSecret as string } : {}),
    },
    codes: {},
  };
}

/** The snapshot of every running user pool; `pools()` is empty before start. */
export function authSnapshot(entries: readonly UserPoolEntry[], pools: () => ReadonlyMap<string, AuthPool>): ServiceSnapshot {
  return {
    async export(dir) {
      let users = 0;
      let written = 0;
      for (const [id, pool] of pools()) {
        const list = pool.users.all().sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
        if (list.length === 0) continue;
        const file: SnapshotUsersFile = { userPoolId: id, userPoolName: pool.pool.name, logicalId: pool.pool.logicalId, users: list.map(toSnapshot) };
        writeJson(path.join(dir, partFileName(id), AUTH_USERS_FILE), file);
        users += list.length;
        written += 1;
      }
      return { counts: { 'user pools': written, users } };
    },

    async prepareImport(dir) {
      const warnings: string[] = [];
      const running = pools();
      const plans = new Map<string, UserRecord[]>();
      const folders = existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : [];
      for (const folder of folders) {
        const file = path.join(dir, folder, AUTH_USERS_FILE);
        if (!existsSync(file)) continue;
        const doc = readJson<unknown>(file, 'auth');
        if (!isRecord(doc) || typeof doc.userPoolId !== 'string' || !Array.isArray(doc.users)) {
          throw new SnapshotError(`auth: ${file} needs "userPoolId" and a "users" list`, 'Export the snapshot again, or fix the file.');
        }
        const target = running.get(doc.userPoolId) ?? [...running.values()].find((p) => p.pool.logicalId === doc.logicalId && !plans.has(p.pool.id));
        if (!target) {
          warnings.push(`user pool ${doc.userPoolId} is not in this backend: its ${doc.users.length} user(s) are skipped (pools here: ${[...running.keys()].join(', ') || 'none'})`);
          continue;
        }
        if (plans.has(target.pool.id)) throw new SnapshotError(`auth: two files in ${dir} are for user pool ${target.pool.id}`, 'Keep one users.json per pool.');
        const moved = target.pool.id !== doc.userPoolId;
        const known = new Set(target.pool.groups.map((g) => g.name));
        const byName = new Set<string>();
        const bySub = new Set<string>();
        const users: UserRecord[] = [];
        const unknownGroups = new Set<string>();
        doc.users.forEach((raw, i) => {
          const u = parseSnapshotUser(raw, `${path.relative(dir, file)} user ${i + 1}`);
          const key = target.users.keyOf(u.username);
          if (byName.has(key)) throw bad(`${file}:`, `username "${u.username}" appears twice`);
          if (bySub.has(u.sub)) throw bad(`${file}:`, `sub "${u.sub}" appears twice`);
          byName.add(key);
          bySub.add(u.sub);
          for (const g of u.groups) if (!known.has(g)) unknownGroups.add(g);
          u.groups = u.groups.filter((g) => known.has(g));
          if (moved && u.password) {
            delete u.password;
            delete u.temporaryPasswordExpiresAt;
            u.status = 'RESET_REQUIRED';
          }
          users.push(u);
        });
        if (unknownGroups.size) warnings.push(`user pool ${target.pool.id} has no group ${[...unknownGroups].join(', ')}: users keep their other groups`);
        if (moved) {
          warnings.push(
            `user pool ${doc.userPoolId} imported into ${target.pool.id} (same pool, another id): passwords are bound to the pool id, so its ${users.length} user(s) must reset their password (RESET_REQUIRED)`,
          );
        }
        plans.set(target.pool.id, users);
      }
      let count = 0;
      for (const u of plans.values()) count += u.length;
      const plan: PreparedImport = {
        counts: { 'user pools': plans.size, users: count },
        warnings,
        async apply() {
          for (const [id, pool] of running) {
            pool.users.replaceAll(plans.get(id) ?? []);
            pool.tokenSessions.clear();
            pool.challenges.clear();
          }
        },
      };
      return plan;
    },
  };
}
