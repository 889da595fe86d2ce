import { getJson } from '../api.js';
import { h, replace, table, when } from '../dom.js';
import type { JournalEntry } from '../../../core/request_journal.js';
import type { PageContext } from '../main.js';

/** What `GET /_local/requests` lists (the router's journal). */
type Entry = JournalEntry;

/** The front door's journal of the app's requests (`GET /_local/requests`), filtered by service and status. */
export async function renderRequests(ctx: PageContext): Promise<void> {
  const service = h('select', { name: 'service' }, h('option', { value: '' }, 'all services'), ctx.overview.services.map((s) => h('option', { value: s.name }, s.name)));
  const status = h('select', { name: 'status' }, ['', '2xx', '4xx', '5xx'].map((s) => h('option', { value: s }, s || 'any status')));
  const list = h('div', { id: 'requests-list' });
  const load = async () => {
    const q = new URLSearchParams({ limit: '300' });
    if (service.value) q.set('service', service.value);
    if (status.value) q.set('status', status.value);
    const { requests, capacity } = await getJson<{ requests: Entry[]; capacity: number }>(`/_local/requests?${q}`);
    replace(
      list,
      h('p', { class: 'muted' }, `${requests.length} shown (the last ${capacity} requests are kept; the console's own calls are not listed, but what it does as the developer is).`),
      table(
        ['When', 'Service', 'Operation', 'Caller', 'Status', 'ms', 'Path'],
        requests.map((r) => [when(r.at), r.service, r.operation ?? r.method, r.caller ?? h('span', { class: 'muted' }, 'anonymous'), String(r.status), String(r.latencyMs), h('code', {}, `${r.method} ${r.path}`)]),
        (i) => ({ 'data-service': requests[i].service, 'data-status': requests[i].status }),
      ),
    );
  };
  service.addEventListener('change', () => void load());
  status.addEventListener('change', () => void load());
  replace(ctx.main, h('h1', {}, 'Requests'), h('div', { class: 'bar' }, service, status), list);
  await load();
  ctx.every(2000, load);
}
