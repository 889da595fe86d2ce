import { describe, expect, it } from 'vitest';
import { ModelEvaluator, type Principal } from '../../reliability/matrix/evaluate_data.js';
import { fieldRulesOfSchema, normalizeRule, type ModelRules, type StoragePathRule } from '../../reliability/matrix/rules.js';
import { storageAllowed } from '../../reliability/matrix/storage_matrix.js';
import type { Caller } from '../../reliability/matrix/identities.js';

/** The matrix's evaluator of Gen 2 rules, on hand-written rules (no cloud). */

const user = (userId: string, groups: string[] = []): Principal => ({ name: userId, mode: 'userPools', valid: true, userId, groups });
const guest: Principal = { name: 'guest', mode: 'iam', valid: true, groups: [], iamRole: 'guest' };
const apiKey: Principal = { name: 'apiKey', mode: 'apiKey', valid: true, groups: [] };
const forged: Principal = { name: 'forged', mode: 'userPools', valid: false, groups: [] };

function model(rules: Record<string, unknown>[], fieldRules: Record<string, Record<string, unknown>[]> = {}): ModelRules {
  const fields = ['id', 'title', 'owner', 'budget'].map((name) => ({ name, type: 'String', isRequired: name === 'title', isArray: false, relational: false }));
  return { name: 'Thing', keyFields: ['id'], fields, indexes: [], rules: rules.map(normalizeRule), fieldRules: Object.fromEntries(Object.entries(fieldRules).map(([f, r]) => [f, r.map(normalizeRule)])) };
}

const mine = { owners: ['alice'] };

describe('data rules', () => {
  it('lets only the owner read, change and delete an owner-only record, and filters lists to it', () => {
    const ev = new ModelEvaluator(model([{ allow: 'owner' }]));
    expect(ev.item('create', user('bob'))).toBe(true);
    expect(ev.item('get', user('alice'), { record: mine })).toBe(true);
    expect(ev.item('get', user('bob'), { record: mine })).toBe(false);
    expect(ev.item('update', user('bob'), { record: mine, inputFields: ['title'] })).toBe(false);
    expect(ev.item('delete', user('alice'), { record: mine })).toBe(true);
    expect(ev.scope('list', user('bob'))).toBe('own');
    expect(ev.scope('onCreate', guest)).toBe('refused');
  });

  it('gives every signed-in user read with allow.authenticated, and nothing to forged tokens', () => {
    const ev = new ModelEvaluator(model([{ allow: 'owner' }, { allow: 'private', operations: ['read'] }]));
    expect(ev.item('get', user('bob'), { record: mine })).toBe(true);
    expect(ev.item('update', user('bob'), { record: mine, inputFields: ['title'] })).toBe(false);
    expect(ev.scope('list', user('bob'))).toBe('all');
    expect(ev.scope('list', forged)).toBe('refused');
    expect(ev.item('get', forged, { record: mine })).toBe(false);
  });

  it('matches static groups, API keys and guests by their own providers only', () => {
    const ev = new ModelEvaluator(model([{ allow: 'groups', groups: ['Admins'] }, { allow: 'public', provider: 'apiKey', operations: ['read'] }, { allow: 'public', provider: 'iam', operations: ['create'] }]));
    expect(ev.item('delete', user('bob', ['Admins']), { record: mine })).toBe(true);
    expect(ev.item('delete', user('bob', ['Editors']), { record: mine })).toBe(false);
    expect(ev.item('get', apiKey, { record: mine })).toBe(true);
    expect(ev.item('create', apiKey)).toBe(false);
    expect(ev.item('create', guest)).toBe(true);
    expect(ev.item('get', guest, { record: mine })).toBe(false);
  });

  it('needs delete on every field, so a field only a group may touch keeps owners from deleting', () => {
    const ev = new ModelEvaluator(model([{ allow: 'owner' }, { allow: 'groups', groups: ['Admins'] }], { budget: [{ allow: 'groups', groups: ['Admins'] }] }));
    expect(ev.item('delete', user('alice'), { record: mine })).toBe(false);
    expect(ev.item('delete', user('carol', ['Admins']), { record: mine })).toBe(true);
    expect(ev.item('create', user('alice'), { inputFields: ['title'] })).toBe(true);
    expect(ev.item('create', user('alice'), { inputFields: ['title', 'budget'] })).toBe(false);
    expect(ev.fieldRead(user('alice'), mine, 'budget')).toBe(false);
    expect(ev.fieldRead(user('alice'), mine, 'title')).toBe(true);
    expect(ev.plainFields()).toEqual(['id', 'title', 'owner']);
  });

  it("answers an index on the owner field only for the caller's own value, and filters other indexes", () => {
    const ev = new ModelEvaluator(model([{ allow: 'owner' }]));
    expect(ev.indexScope(user('alice'), 'owner', true)).toBe('own');
    expect(ev.indexScope(user('bob'), 'owner', false)).toBe('refused');
    expect(ev.indexScope(user('bob'), 'title', false)).toBe('own');
    expect(new ModelEvaluator(model([{ allow: 'owner' }, { allow: 'private', operations: ['read'] }])).indexScope(user('bob'), 'owner', false)).toBe('all');
  });

  it('reads field-level rules out of the pre-transform schema with the defaults filled in', () => {
    const rules = fieldRulesOfSchema('type Thing @model { title: String budget: Float @auth(rules: [{allow: groups, groups: ["Admins"]}, {allow: owner, operations: [read]}]) }');
    expect(rules).toEqual({
      Thing: {
        budget: [
          { allow: 'groups', provider: 'userPools', operations: ['create', 'update', 'delete', 'read'], groups: ['Admins'] },
          { allow: 'owner', provider: 'userPools', operations: ['read'], field: 'owner', identityClaim: 'cognito:username' },
        ],
      },
    });
  });
});

describe('storage rules', () => {
  const caller = (name: string, identityId: string | undefined, extra: Partial<Caller> = {}): Caller => ({
    name,
    mode: 'userPools',
    valid: true,
    groups: [],
    iam: identityId ? { identityId, credentials: { accessKeyId: 'a', secretAccessKey: 's', sessionToken: 't' } } : undefined,
    ...extra,
  });
  // The outputs' form: `media/{entity_id}/*` with authenticated read shows up as `media/*`.
  const rules = [
    { bucket: 'b', path: 'media/{entity_id}/*', access: { entityidentity: ['get', 'list', 'write', 'delete'] } },
    { bucket: 'b', path: 'media/*', access: { authenticated: ['get', 'list'] } },
    { bucket: 'b', path: 'media/admin/*', access: { groupsAdmins: ['get'] } },
    { bucket: 'b', path: 'public/*', access: { guest: ['get'] } },
  ] as StoragePathRule[];
  const alice = caller('alice', 'us-east-1:alice');
  const bob = caller('bob', 'us-east-1:bob');
  const admin = caller('admin', 'us-east-1:admin', { groups: ['Admins'] });
  const visitor = caller('guest', 'us-east-1:guest', { mode: 'iam', iamRole: 'guest' });

  it("substitutes the caller's own identity id for {entity_id}", () => {
    expect(storageAllowed(rules, 'b', 'media/us-east-1:alice/a.png', 'write', alice)).toBe(true);
    expect(storageAllowed(rules, 'b', 'media/us-east-1:alice/a.png', 'write', bob)).toBe(false);
    expect(storageAllowed(rules, 'b', 'media/us-east-1:alice/a.png', 'get', bob)).toBe(true);
  });

  it('lets a sub-path replace its parent, except the parent over its own {entity_id}/ sub-path', () => {
    expect(storageAllowed(rules, 'b', 'media/admin/x', 'get', bob)).toBe(false);
    expect(storageAllowed(rules, 'b', 'media/admin/x', 'get', admin)).toBe(true);
    expect(storageAllowed(rules, 'b', 'media/other.png', 'get', bob)).toBe(true);
  });

  it('gives guests the guest grants only, and group members their group role only', () => {
    expect(storageAllowed(rules, 'b', 'public/x', 'get', visitor)).toBe(true);
    expect(storageAllowed(rules, 'b', 'public/x', 'write', visitor)).toBe(false);
    expect(storageAllowed(rules, 'b', 'media/x', 'get', visitor)).toBe(false);
    expect(storageAllowed(rules, 'b', 'media/x', 'get', admin)).toBe(false);
    expect(storageAllowed(rules, 'b', 'public/x', 'get', caller('nobody', undefined))).toBe(false);
  });
});
