import { getJson, graphql } from '../api.js';
import { errorText, h, replace, table, when } from '../dom.js';
import type { PageContext } from '../main.js';

type FieldType = string | { enum: string } | { model: string } | { nonModel: string };
interface Field {
  name: string;
  type: FieldType;
  isArray: boolean;
  isRequired: boolean;
  isReadOnly?: boolean;
}
interface Model {
  name: string;
  pluralName: string;
  fields: Record<string, Field>;
  primaryKeyInfo?: { primaryKeyFieldName: string; sortKeyFieldNames: string[] };
}
interface Introspection {
  models: Record<string, Model>;
  enums?: Record<string, { values: string[] }>;
}
interface Change {
  eventName: string;
  dynamodb: { ApproximateCreationDateTime: number; NewImage?: Record<string, unknown>; OldImage?: Record<string, unknown>; SequenceNumber: string };
}

type Item = Record<string, unknown>;

/**
 * Every model of the backend (from its model introspection), its items through the generated
 * GraphQL API with IAM as the developer — the API's own resolvers and rules, where an IAM caller
 * outside the identity pool is an administrator — and an item's history from the change feed.
 */
export async function renderData(ctx: PageContext): Promise<void> {
  let intro: Introspection;
  try {
    intro = await getJson<Introspection>('/_local/data/introspection');
  } catch (err) {
    replace(ctx.main, h('h1', {}, 'Data'), h('p', { class: 'muted' }, `No data API: ${errorText(err)}`));
    return;
  }
  const models = Object.values(intro.models);
  const modelSelect = h('select', { name: 'model' }, models.map((m) => h('option', { value: m.name }, m.name)));
  if (ctx.params.get('model')) modelSelect.value = ctx.params.get('model')!;
  const message = h('p', { class: 'muted', id: 'data-message' });
  const list = h('div', { id: 'data-list' });
  const editor = h('div', { id: 'data-editor' });
  const history = h('div', { id: 'data-history' });
  const model = () => intro.models[modelSelect.value];
  const say = (text: string, isError = false) => {
    message.textContent = text;
    message.className = isError ? 'error' : 'muted';
  };

  const load = async () => {
    const m = model();
    const fields = scalarFields(m);
    const items: Item[] = [];
    let nextToken: string | null = null;
    do {
      const r: { data?: Record<string, { items: Item[]; nextToken: string | null }>; errors?: { message: string }[] } = await graphql(
        `query List($nextToken: String) { list${m.pluralName}(limit: 100, nextToken: $nextToken) { items { ${fields.map((f) => f.name).join(' ')} } nextToken } }`,
        { nextToken },
      );
      if (r.errors?.length) throw new Error(r.errors.map((e) => e.message).join('; '));
      const page = r.data?.[`list${m.pluralName}`];
      items.push(...(page?.items ?? []));
      nextToken = page?.nextToken ?? null;
    } while (nextToken && items.length < 1000);
    const keys = keyFields(m);
    replace(
      list,
      items.length === 0
        ? h('p', { class: 'muted' }, `No ${m.name} items.`)
        : table(
            [...fields.map((f) => f.name), ''],
            items.map((item) => [
              ...fields.map((f) => show(item[f.name])),
              h(
                'span',
                {},
                h('button', { onclick: () => edit(item) }, 'Edit'),
                ' ',
                h('button', { onclick: () => void showHistory(item) }, 'History'),
                ' ',
                h('button', { class: 'danger', onclick: () => void remove(item) }, 'Delete'),
              ),
            ]),
            (i) => ({ 'data-key': keys.map((k) => String(items[i][k])).join('|') }),
          ),
    );
  };
  const reload = () => load().catch((err: unknown) => replace(list, h('p', { class: 'error' }, errorText(err))));

  const run = async (what: string, query: string, variables: Record<string, unknown>) => {
    const r = await graphql(query, variables);
    if (r.errors?.length) {
      say(`${what}: ${r.errors.map((e) => `${e.errorType ? `${e.errorType}: ` : ''}${e.message}`).join('; ')}`, true);
      return false;
    }
    say(`${what}: done`);
    await reload();
    return true;
  };

  const edit = (item?: Item) => {
    const m = model();
    const keys = keyFields(m);
    const inputs = writableFields(m).map((f) => {
      const value = item?.[f.name];
      const input =
        typeof f.type === 'object' && 'enum' in f.type && !f.isArray
          ? h('select', { name: f.name }, h('option', { value: '' }, ''), (intro.enums?.[f.type.enum]?.values ?? []).map((v) => h('option', { value: v, selected: v === value }, v)))
          : h('input', { name: f.name, value: value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value), placeholder: typeName(f), disabled: !!item && keys.includes(f.name) });
      return { f, input };
    });
    const submit = async () => {
      const input: Item = {};
      for (const { f, input: el } of inputs) {
        const text = el.value;
        const original = item?.[f.name];
        if (item && keys.includes(f.name)) {
          input[f.name] = original;
          continue;
        }
        if (text === '' && (!item || original === null || original === undefined)) continue;
        const value = text === '' ? null : parse(f, text);
        if (item && JSON.stringify(value) === JSON.stringify(original)) continue;
        input[f.name] = value;
      }
      const op = item ? `update${m.name}` : `create${m.name}`;
      const ok = await run(`${item ? 'Update' : 'Create'} ${m.name}`, `mutation Save($input: ${item ? 'Update' : 'Create'}${m.name}Input!) { ${op}(input: $input) { ${keys.join(' ')} } }`, { input });
      if (ok) replace(editor);
    };
    replace(
      editor,
      h(
        'form',
        { class: 'card', id: 'item-form', onsubmit: (e: Event) => (e.preventDefault(), void submit()) },
        h('strong', {}, item ? `Edit ${m.name}` : `New ${m.name}`),
        inputs.map(({ f, input }) => h('label', {}, `${f.name}${f.isRequired ? '*' : ''} `, input)),
        h('button', { class: 'primary' }, item ? 'Save' : 'Create'),
        h('button', { type: 'button', onclick: () => replace(editor) }, 'Cancel'),
      ),
    );
  };

  const remove = async (item: Item) => {
    const m = model();
    const keys = keyFields(m);
    if (!confirm(`Delete this ${m.name}?`)) return;
    const input = Object.fromEntries(keys.map((k) => [k, item[k]]));
    await run(`Delete ${m.name}`, `mutation Remove($input: Delete${m.name}Input!) { delete${m.name}(input: $input) { ${keys.join(' ')} } }`, { input });
  };

  const showHistory = async (item: Item) => {
    const m = model();
    const key = Object.fromEntries(keyFields(m).map((k) => [k, item[k]]));
    try {
      const { changes } = await getJson<{ changes: Change[] }>(`/_local/data/changes?table=${encodeURIComponent(m.name)}&key=${encodeURIComponent(JSON.stringify(key))}`);
      replace(
        history,
        h(
          'div',
          { class: 'card' },
          h('h2', {}, `History of ${m.name} ${Object.values(key).join(' / ')}`),
          changes.length === 0
            ? h('p', { class: 'muted' }, 'No change recorded since the local cloud started.')
            : table(
                ['When', 'Event', 'Changed', 'New image', 'Old image'],
                changes.map((c) => {
                  const next = plainItem(c.dynamodb.NewImage);
                  const prev = plainItem(c.dynamodb.OldImage);
                  return [when(c.dynamodb.ApproximateCreationDateTime * 1000), c.eventName, changedFields(prev, next).join(', '), image(next), image(prev)];
                }),
                (i) => ({ 'data-event': changes[i].eventName }),
              ),
        ),
      );
    } catch (err) {
      replace(history, h('p', { class: 'error' }, errorText(err)));
    }
  };

  modelSelect.addEventListener('change', () => {
    replace(editor);
    replace(history);
    void reload();
  });
  replace(
    ctx.main,
    h('h1', {}, 'Data'),
    h('div', { class: 'bar' }, modelSelect, h('button', { class: 'primary', onclick: () => edit() }, 'New item'), h('button', { onclick: () => void reload() }, 'Refresh')),
    h('p', { class: 'muted' }, 'Through the GraphQL API with IAM as the developer (an administrator of the API), so the resolvers and their rules run as for any caller.'),
    message,
    editor,
    list,
    history,
  );
  await reload();
}

function scalarFields(m: Model): Field[] {
  return Object.values(m.fields).filter((f) => typeof f.type === 'string' || 'enum' in f.type);
}

function writableFields(m: Model): Field[] {
  return scalarFields(m).filter((f) => !f.isReadOnly);
}

function keyFields(m: Model): string[] {
  const info = m.primaryKeyInfo;
  return info ? [info.primaryKeyFieldName, ...info.sortKeyFieldNames] : ['id'];
}

function typeName(f: Field): string {
  const t = typeof f.type === 'string' ? f.type : 'enum' in f.type ? f.type.enum : '';
  return f.isArray ? `[${t}] as JSON` : t;
}

function parse(f: Field, text: string): unknown {
  if (f.isArray) return JSON.parse(text) as unknown;
  switch (f.type) {
    case 'Int':
    case 'AWSTimestamp':
      return parseInt(text, 10);
    case 'Float':
      return Number(text);
    case 'Boolean':
      return text === 'true';
    default:
      return text;
  }
}

function show(value: unknown): string | HTMLElement {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return h('code', {}, JSON.stringify(value));
  return String(value);
}

function image(img: Item | undefined): HTMLElement | string {
  return img ? h('pre', {}, JSON.stringify(img, null, 1)) : '';
}

/** DynamoDB JSON (`{ "S": "x" }`) → plain values, as the API returns them. */
function plainItem(img: Record<string, unknown> | undefined): Item | undefined {
  if (!img) return undefined;
  return Object.fromEntries(Object.entries(img).map(([k, v]) => [k, plainValue(v)]));
}

function plainValue(v: unknown): unknown {
  if (!v || typeof v !== 'object') return v;
  const [type, value] = Object.entries(v as Record<string, unknown>)[0] ?? [];
  switch (type) {
    case 'S':
    case 'BOOL':
    case 'B':
      return value;
    case 'N':
      return Number(value);
    case 'NULL':
      return null;
    case 'M':
      return plainItem(value as Record<string, unknown>);
    case 'L':
      return (value as unknown[]).map(plainValue);
    case 'SS':
    case 'BS':
      return value;
    case 'NS':
      return (value as string[]).map(Number);
    default:
      return v;
  }
}

function changedFields(prev: Item | undefined, next: Item | undefined): string[] {
  if (!prev || !next) return Object.keys(next ?? prev ?? {});
  const names = new Set([...Object.keys(prev), ...Object.keys(next)]);
  return [...names].filter((n) => JSON.stringify(prev[n]) !== JSON.stringify(next[n]));
}
