import { getJson } from '../api.js';
import { h, replace, table, when } from '../dom.js';
import type { OutboxMessage } from '../../../core/outbox.js';
import type { PageContext } from '../main.js';

type Message = OutboxMessage;

/**
 * Emails, SMS and pushes "sent", newest first. New ones appear as they are added, through the
 * admin API's event stream (`/_local/outbox/stream`); a slow poll catches clears made elsewhere.
 */
export async function renderOutbox(ctx: PageContext): Promise<void> {
  const channel = h('select', { name: 'channel' }, ['', 'email', 'sms', 'push'].map((c) => h('option', { value: c }, c || 'all channels')));
  const list = h('div', { id: 'outbox-list' });
  const seen = new Set<string>();
  let first = true;
  const load = async () => {
    const q = channel.value ? `?channel=${channel.value}` : '';
    const { messages } = await getJson<{ messages: Message[] }>(`/_local/outbox${q}`);
    const rows = [...messages].reverse();
    replace(
      list,
      rows.length === 0
        ? h('p', { class: 'muted' }, 'Nothing sent yet.')
        : table(
            ['When', 'Channel', 'To', 'Code', 'Message'],
            rows.map((m) => [
              when(m.createdAt),
              m.channel,
              m.to,
              m.code ? h('span', { class: 'code' }, m.code) : '',
              m.channel === 'push' ? pushDetails(m) : [m.subject ? h('strong', {}, m.subject, h('br')) : null, m.body],
            ]),
            (i) => ({ class: !first && !seen.has(rows[i].id) ? 'new' : undefined, 'data-id': rows[i].id }),
          ),
    );
    for (const m of rows) seen.add(m.id);
    first = false;
  };
  channel.addEventListener('change', () => void load());
  replace(
    ctx.main,
    h('h1', {}, 'Outbox'),
    h(
      'div',
      { class: 'bar' },
      channel,
      h('button', { onclick: () => void fetch('/_local/outbox', { method: 'DELETE' }).then(load) }, 'Clear'),
      h('span', { class: 'muted' }, 'Verification codes, invitations, MFA codes and pushes the local cloud "sent".'),
    ),
    list,
  );
  await load();
  const events = new EventSource('/_local/outbox/stream');
  events.addEventListener('message', () => void load());
  ctx.onLeave(() => events.close());
  ctx.every(5000, load);
}

function pushDetails(m: Message): HTMLElement {
  const d = m.data ?? {};
  return h(
    'div',
    {},
    m.subject ? h('strong', {}, m.subject) : null,
    h('div', {}, m.body),
    h('pre', {}, JSON.stringify(d, null, 2)),
  );
}
