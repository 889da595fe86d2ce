import { getJson } from '../api.js';
import { h, replace, table, when } from '../dom.js';
import type { PageContext } from '../main.js';

interface StreamRecord {
  sequenceNumber: string;
  shardId: string;
  partitionKey: string;
  text: string;
  arrivedAt: string;
  callerRoleArn?: string;
}

/** Analytics records put on the backend's Kinesis streams (`GET /_local/messaging/kinesis-records`). */
export async function renderEvents(ctx: PageContext): Promise<void> {
  const streams = ctx.overview.kinesisStreams;
  if (streams.length === 0) {
    replace(ctx.main, h('h1', {}, 'Events'), h('p', { class: 'muted' }, 'This backend has no Kinesis data stream.'));
    return;
  }
  const stream = h('select', { name: 'stream' }, streams.map((s) => h('option', { value: s }, s)));
  const list = h('div', { id: 'events-list' });
  const load = async () => {
    const { records } = await getJson<{ records: StreamRecord[] }>(`/_local/messaging/kinesis-records?stream=${encodeURIComponent(stream.value)}`);
    const rows = [...records].reverse();
    replace(
      list,
      rows.length === 0
        ? h('p', { class: 'muted' }, 'No records yet.')
        : table(
            ['Arrived', 'Partition key', 'Data', 'Caller', 'Sequence'],
            rows.map((r) => [when(r.arrivedAt), h('code', {}, r.partitionKey), h('pre', {}, pretty(r.text)), r.callerRoleArn?.split('/').pop() ?? '', h('code', {}, r.sequenceNumber.slice(-8))]),
          ),
    );
  };
  stream.addEventListener('change', () => void load());
  replace(ctx.main, h('h1', {}, 'Events'), h('div', { class: 'bar' }, stream), list);
  await load();
  ctx.every(2000, load);
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
