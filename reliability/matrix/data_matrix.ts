/**
 * The data half of the matrix: every model × operation × caller, the evaluator's verdict next to what
 * the API did. Records the callers act on are made fresh by a caller the rules let create them (the
 * owner when it may), so an update or delete by one caller never disturbs another's case.
 */
import { randomUUID } from 'node:crypto';
import { ModelEvaluator, type RecordFacts, type Scope } from './evaluate_data.js';
import type { Caller } from './identities.js';
import type { DataRules, FieldInfo, ModelRules } from './rules.js';
import { AmplifyData, subscribe, type Outcome, type Subscriber, type Transport } from './transport.js';

export const DATA_OPERATIONS = ['create', 'get', 'list', 'update', 'delete', 'onCreate', 'onUpdate', 'onDelete'] as const;
export type DataOperation = (typeof DATA_OPERATIONS)[number];

export interface MatrixCase {
  area: 'data' | 'storage';
  /** Model name, or `bucket:path` for storage. */
  target: string;
  operation: string;
  caller: string;
  transport: Transport | 'skipped';
  expected: string;
  actual: string;
  ok: boolean;
}

export interface DataMatrixEnv {
  graphqlUrl: string;
  region: string;
  caCertPath: string;
  client: AmplifyData;
  /** How long a subscriber that should not receive an event is given to (wrongly) receive it. */
  quietMs?: number;
}

const SCALAR_SAMPLES: Record<string, unknown> = {
  String: 'matrix',
  ID: 'matrix-id',
  Int: 7,
  Float: 1.5,
  Boolean: true,
  AWSDate: '2026-01-02',
  AWSTime: '12:00:00.000Z',
  AWSDateTime: '2026-01-02T12:00:00.000Z',
  AWSTimestamp: 1767355200,
  AWSEmail: 'matrix@example.com',
  AWSJSON: '{"matrix":true}',
  AWSURL: 'https://example.com/matrix',
  AWSPhone: '+15555550100',
  AWSIPAddress: '127.0.0.1',
};

function sample(field: FieldInfo, rules: DataRules): unknown {
  const t = field.type;
  let value: unknown;
  if (typeof t === 'string') value = t === 'ID' || t === 'String' ? `${SCALAR_SAMPLES[t]}-${randomUUID().slice(0, 8)}` : SCALAR_SAMPLES[t];
  else if (t.enum) value = rules.enums[t.enum]?.[0];
  else if (t.nonModel) value = Object.fromEntries((rules.nonModels[t.nonModel] ?? []).filter((f) => f.isRequired).map((f) => [f.name, sample(f, rules)]));
  return field.isArray ? [value] : value;
}

const ownerFieldsOf = (m: ModelRules) => new Set([...m.rules, ...Object.values(m.fieldRules).flat()].filter((r) => r.allow === 'owner' || (r.allow === 'groups' && r.field)).map((r) => r.field!));

/**
 * What a create sends: the key when it is not the generated `id`, every required field, and the key
 * fields of the secondary indexes (DynamoDB leaves a record without them out of the index).
 */
export function createInput(m: ModelRules, rules: DataRules): Record<string, unknown> {
  const owners = ownerFieldsOf(m);
  const customKey = !(m.keyFields.length === 1 && m.keyFields[0] === 'id');
  const indexed = new Set(m.indexes.flatMap((i) => i.fields));
  return Object.fromEntries(
    m.fields
      .filter((f) => !f.relational && !f.isReadOnly && !owners.has(f.name) && (f.isRequired || indexed.has(f.name) || (customKey && m.keyFields.includes(f.name))) && !(f.name === 'id' && !customKey))
      .map((f) => [f.name, sample(f, rules)]),
  );
}

/** The field an update changes: a plain writable field that is not a key or an owner field. */
export function updateField(m: ModelRules, ev: ModelEvaluator): FieldInfo | undefined {
  const owners = ownerFieldsOf(m);
  const plain = new Set(ev.plainFields());
  const candidates = m.fields.filter((f) => plain.has(f.name) && !f.isReadOnly && !m.keyFields.includes(f.name) && !owners.has(f.name) && typeof f.type === 'string');
  return candidates.find((f) => f.type === 'String') ?? candidates[0];
}

function selection(m: ModelRules, ev: ModelEvaluator): string[] {
  const nonScalar = new Set(m.fields.filter((f) => typeof f.type !== 'string').map((f) => f.name));
  return [...new Set([...m.keyFields, ...ev.plainFields().filter((f) => !nonScalar.has(f))])];
}

const show = (o: Outcome) => (o.kind === 'ok' ? 'allowed' : o.kind === 'refused' ? `refused (${o.detail.slice(0, 80)})` : `error (${o.detail})`);

interface Made {
  key: Record<string, unknown>;
  facts: RecordFacts;
  /** What the create returned (owner fields included). */
  data?: Record<string, unknown>;
}

/** Runs the matrix for one model; `evaluator` may be built from altered rules (the smoke test does). */
export async function runModelMatrix(env: DataMatrixEnv, m: ModelRules, rules: DataRules, callers: Caller[], evaluator = new ModelEvaluator(m)): Promise<MatrixCase[]> {
  const cases: MatrixCase[] = [];
  const ev = evaluator;
  const truth = new ModelEvaluator(m); // seeds are made by whoever the real rules let create
  const sel = selection(m, ev);
  // Records are made with their owner fields selected, as the client's default selection set does:
  // AppSync filters subscriptions on the mutation's response, so an owner's event needs them there.
  const makeSel = [...new Set([...sel, ...ownerFieldsOf(m)])];
  const keyOf = (data: unknown) => Object.fromEntries(m.keyFields.map((k) => [k, (data as Record<string, unknown>)[k]]));
  const keyText = (key: Record<string, unknown>) => m.keyFields.map((k) => String(key[k])).join('|');
  const record = (target: string, operation: string, caller: string, transport: MatrixCase['transport'], expected: string, actual: string) =>
    cases.push({ area: 'data', target, operation, caller, transport, expected, actual, ok: expected === actual || (expected === 'refused' && actual.startsWith('refused')) });

  const input = createInput(m, rules);
  const inputFields = Object.keys(input);
  const seeder = [...callers].sort((a, b) => Number(b.name === 'owner') - Number(a.name === 'owner')).find((c) => truth.item('create', c, { inputFields }));
  const alive = new Map<string, Made>();
  const make = async (by: Caller): Promise<Made | undefined> => {
    const res = await env.client.call(by, m.name, 'create', createInput(m, rules), makeSel);
    if (res.kind !== 'ok' || !res.data) return undefined;
    const made = { key: keyOf(res.data), facts: { owners: by.userId ? [by.userId] : [] }, data: res.data as Record<string, unknown> };
    alive.set(keyText(made.key), made);
    return made;
  };

  // create, by every caller
  for (const c of callers) {
    const expected = ev.item('create', c, { inputFields }) ? 'allowed' : 'refused';
    const res = await env.client.call(c, m.name, 'create', createInput(m, rules), sel);
    if (res.kind === 'ok' && res.data) alive.set(keyText(keyOf(res.data)), { key: keyOf(res.data), facts: { owners: c.userId ? [c.userId] : [] } });
    record(m.name, 'create', c.name, 'aws-amplify', expected, res.kind === 'ok' && !res.data ? 'allowed but returned nothing' : show(res));
  }

  const seed = seeder && (await make(seeder));
  const skip = (operation: string, why: string) => {
    for (const c of callers) record(m.name, operation, c.name, 'skipped', why, why);
  };

  // get, of the seeder's record
  if (seed) {
    for (const c of callers) {
      const expected = ev.item('get', c, { record: seed.facts }) ? 'allowed' : 'refused';
      const res = await env.client.call(c, m.name, 'get', seed.key, sel);
      const actual = res.kind === 'ok' && !res.data ? 'allowed but returned nothing' : show(res);
      record(m.name, 'get', c.name, 'aws-amplify', expected, actual);
    }
  } else skip('get', 'no caller may create a record');

  // Fields with rules of their own: read on the seeder's record, and written on create.
  const owners = ownerFieldsOf(m);
  for (const f of m.fields.filter((x) => m.fieldRules[x.name] && !x.relational && (typeof x.type === 'string' || x.type.enum))) {
    for (const c of callers) {
      if (seed) {
        const expected = ev.fieldRead(c, seed.facts, f.name) ? 'allowed' : 'refused';
        const res = await env.client.call(c, m.name, 'get', seed.key, [...m.keyFields, f.name]);
        record(m.name, `get.${f.name}`, c.name, 'aws-amplify', expected, show(res));
      }
      if (owners.has(f.name) || f.isReadOnly) continue;
      const withField = { ...createInput(m, rules), [f.name]: sample(f, rules) };
      const expected = ev.item('create', c, { inputFields: Object.keys(withField) }) ? 'allowed' : 'refused';
      const res = await env.client.call(c, m.name, 'create', withField, m.keyFields);
      if (res.kind === 'ok' && res.data) alive.set(keyText(keyOf(res.data)), { key: keyOf(res.data), facts: { owners: c.userId ? [c.userId] : [] } });
      record(m.name, `create.${f.name}`, c.name, 'aws-amplify', expected, show(res));
    }
  }

  // list: everything, or only the caller's own records, or refused
  for (const c of callers) {
    const scope = ev.scope('list', c);
    const res = await env.client.call(c, m.name, 'list', {}, sel);
    let actual: string;
    if (res.kind !== 'ok') actual = show(res);
    else {
      const seen = new Set((res.data as unknown[]).map((d) => keyText(keyOf(d))));
      const leaked = [...seen].filter((k) => alive.has(k) && scope === 'own' && !alive.get(k)!.facts.owners.includes(c.userId ?? '\0'));
      const mine = [...alive.entries()].filter(([, v]) => scope === 'all' || (c.userId && v.facts.owners.includes(c.userId))).map(([k]) => k);
      const missing = mine.filter((k) => !seen.has(k));
      actual = leaked.length ? `leaked ${leaked.length} record(s) of others` : missing.length ? `missing ${missing.length} record(s) it may read` : scope === 'refused' ? 'allowed' : scope;
    }
    record(m.name, 'list', c.name, 'aws-amplify', scope, actual);
  }

  // Secondary index query fields, asked for the seeder's record by its partition key. An owner field
  // is asked for by the value stored in it (`<sub>::<username>`), which its field resolver does not show.
  for (const idx of m.indexes) {
    if (!seed?.data || !seeder) continue;
    const keyField = idx.fields[0];
    const ownerRule = m.rules.find((r) => r.allow === 'owner' && r.field === keyField);
    const stored = ownerRule && seeder.user ? (ownerRule.identityClaim === 'sub' ? seeder.user.sub : `${seeder.user.sub}::${seeder.user.username}`) : seed.data[keyField];
    for (const c of callers) {
      const scope = ownerRule ? ev.indexScope(c, keyField, c.userId !== undefined && c.userId === seeder.userId) : ev.scope('list', c);
      const res = await env.client.call(c, m.name, 'list', { [keyField]: stored }, sel, idx.queryField);
      let actual: string;
      if (res.kind !== 'ok') actual = show(res);
      else {
        const seen = new Set((res.data as unknown[]).map((d) => keyText(keyOf(d))));
        const leaked = [...seen].filter((k) => alive.has(k) && scope === 'own' && !alive.get(k)!.facts.owners.includes(c.userId ?? '\0'));
        const mayRead = scope === 'all' || (c.userId !== undefined && seed.facts.owners.includes(c.userId));
        actual = leaked.length ? `leaked ${leaked.length} record(s) of others` : mayRead && !seen.has(keyText(seed.key)) ? 'missing the record it may read' : scope === 'refused' ? 'allowed' : scope;
      }
      record(m.name, `index.${idx.queryField}`, c.name, 'aws-amplify', scope, actual);
    }
  }

  // update and delete, each caller on a record made for it
  const field = updateField(m, ev);
  for (const op of ['update', 'delete'] as const) {
    if (!seeder) {
      skip(op, 'no caller may create a record');
      continue;
    }
    for (const c of callers) {
      const target = await make(seeder);
      if (!target) {
        record(m.name, op, c.name, 'skipped', 'seed', 'the seeder could not create a record');
        continue;
      }
      const args = op === 'update' && field ? { ...target.key, [field.name]: sample(field, rules) } : target.key;
      const expected = ev.item(op, c, { record: target.facts, inputFields: Object.keys(args).filter((k) => !m.keyFields.includes(k)) }) ? 'allowed' : 'refused';
      const res = await env.client.call(c, m.name, op, args, sel);
      if (op === 'delete' && res.kind === 'ok' && res.data) alive.delete(keyText(target.key));
      record(m.name, op, c.name, 'aws-amplify', expected, res.kind === 'ok' && !res.data ? 'allowed but returned nothing' : show(res));
    }
  }

  // A list of owners (ownersDefinedIn): the seeder names the other user too, who then owns the record as well.
  const coOwner = callers.find((c) => c.name === 'other' && c.user);
  const listRule = m.rules.find((r) => r.allow === 'owner' && r.provider === 'userPools' && m.fields.some((f) => f.name === r.field && f.isArray));
  if (seeder?.user && coOwner && listRule) {
    const value = (c: Caller) => (listRule.identityClaim === 'sub' ? c.user!.sub : `${c.user!.sub}::${c.user!.username}`);
    for (const op of ['get', 'update', 'delete'] as const) {
      for (const c of callers) {
        const input = { ...createInput(m, rules), [listRule.field!]: [value(seeder), value(coOwner)] };
        const made = await env.client.call(seeder, m.name, 'create', input, makeSel);
        if (made.kind !== 'ok' || !made.data) {
          record(m.name, `${op}.coowned`, c.name, 'skipped', 'seed', `the seeder could not create a co-owned record: ${show(made)}`);
          continue;
        }
        const target: Made = { key: keyOf(made.data), facts: { owners: [seeder.userId!, coOwner.userId!] } };
        alive.set(keyText(target.key), target);
        const args = op === 'update' && field ? { ...target.key, [field.name]: sample(field, rules) } : target.key;
        const expected = ev.item(op, c, { record: target.facts, inputFields: Object.keys(args).filter((k) => !m.keyFields.includes(k)) }) ? 'allowed' : 'refused';
        const res = await env.client.call(c, m.name, op, args, sel);
        if (op === 'delete' && res.kind === 'ok' && res.data) alive.delete(keyText(target.key));
        record(m.name, `${op}.coowned`, c.name, 'aws-amplify', expected, res.kind === 'ok' && !res.data ? 'allowed but returned nothing' : show(res));
      }
    }
  }

  // subscriptions: every caller listens at once, the seeder causes one event
  for (const op of ['onCreate', 'onUpdate', 'onDelete'] as const) {
    if (!seeder) {
      skip(op, 'no caller may create a record');
      continue;
    }
    const target = op === 'onCreate' ? undefined : await make(seeder);
    const query = `subscription { ${op}${m.name} { ${sel.join(' ')} } }`;
    const subs: Subscriber[] = [];
    for (const c of callers) subs.push(await subscribe(c, { graphqlUrl: env.graphqlUrl, region: env.region, caCertPath: env.caCertPath, query }));
    let produced: Made | undefined;
    if (op === 'onCreate') produced = await make(seeder);
    else if (target) {
      const args = op === 'onUpdate' && field ? { ...target.key, [field.name]: sample(field, rules) } : target.key;
      const mutation = op === 'onUpdate' ? 'update' : 'delete';
      // The change is made by a caller the rules let make it: the seeder when it may.
      const inputFields = Object.keys(args).filter((k) => !m.keyFields.includes(k));
      const producer = [seeder, ...callers].find((c) => truth.item(mutation, c, { record: target.facts, inputFields })) ?? seeder;
      const res = await env.client.call(producer, m.name, mutation, args, makeSel);
      if (res.kind === 'ok' && res.data) produced = target;
      if (op === 'onDelete' && produced) alive.delete(keyText(target.key));
    }
    const expectOf = (c: Caller): string => {
      const scope: Scope = ev.scope(op, c);
      if (scope === 'refused') return 'refused';
      return scope === 'all' || (c.userId && produced?.facts.owners.includes(c.userId)) ? 'receives' : 'does not receive';
    };
    const got = (s: Subscriber) => produced !== undefined && s.events.some((e) => keyText(keyOf(e)) === keyText(produced!.key));
    // Wait for those who should receive, then a quiet period for those who should not.
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && subs.some((s) => s.started.kind === 'ok' && expectOf(s.caller) === 'receives' && !got(s))) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, env.quietMs ?? 300));
    for (const s of subs) {
      s.close();
      const actual = !produced ? 'no event could be produced' : s.started.kind !== 'ok' ? show(s.started) : got(s) ? 'receives' : 'does not receive';
      record(m.name, op, s.caller.name, 'raw-ws', expectOf(s.caller), actual);
    }
  }
  return cases;
}
