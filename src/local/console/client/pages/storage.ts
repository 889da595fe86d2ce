import { s3List, s3Path, s3Send } from '../api.js';
import { errorText, h, replace, table, when } from '../dom.js';
import type { PageContext } from '../main.js';

const IMAGE = /\.(png|jpe?g|gif|webp|svg|bmp)$/i;

/** Each bucket browsed by prefix through S3's own API (ListObjectsV2, GetObject, PutObject, DeleteObject). */
export async function renderStorage(ctx: PageContext): Promise<void> {
  const buckets = ctx.overview.buckets;
  if (buckets.length === 0) {
    replace(ctx.main, h('h1', {}, 'Storage'), h('p', { class: 'muted' }, 'This backend has no bucket.'));
    return;
  }
  const bucket = h('select', { name: 'bucket' }, buckets.map((b) => h('option', { value: b.bucketName }, `${b.name} (${b.bucketName})`)));
  const prefix = h('input', { name: 'prefix', placeholder: 'prefix, e.g. public/', size: 40, value: ctx.params.get('prefix') ?? '' });
  const file = h('input', { type: 'file', name: 'file' });
  const message = h('p', { class: 'muted', id: 'storage-message' });
  const list = h('div', { id: 'storage-list' });
  const preview = h('div', { id: 'storage-preview' });
  const paths = h('p', { class: 'muted' });

  const load = async () => {
    const b = buckets.find((x) => x.bucketName === bucket.value)!;
    paths.textContent = `Access paths: ${b.paths.join(', ') || 'none'}`;
    try {
      const listing = await s3List(bucket.value, prefix.value);
      const up = prefix.value.replace(/[^/]*\/?$/, '');
      replace(
        list,
        table(
          ['Key', 'Size', 'Modified', ''],
          [
            ...(prefix.value ? [[h('a', { href: '#', onclick: (e: Event) => (e.preventDefault(), go(up)) }, '..'), '', '', '']] : []),
            ...listing.prefixes.map((p) => [h('a', { href: '#', 'data-prefix': p, onclick: (e: Event) => (e.preventDefault(), go(p)) }, p), '', '', '']),
            ...listing.objects.map((o) => [
              h('code', { 'data-key': o.key }, o.key),
              String(o.size),
              when(o.lastModified),
              h(
                'span',
                {},
                IMAGE.test(o.key) ? h('button', { onclick: () => showImage(o.key) }, 'Preview') : null,
                ' ',
                h('a', { href: `${s3Path(bucket.value, o.key)}?x-local-download=${encodeURIComponent(o.key.split('/').pop() ?? 'file')}` }, 'Download'),
                ' ',
                h('button', { class: 'danger', onclick: () => void remove(o.key) }, 'Delete'),
              ),
            ]),
          ],
        ),
        listing.prefixes.length + listing.objects.length === 0 ? h('p', { class: 'muted' }, 'Nothing under this prefix.') : null,
        listing.truncated ? h('p', { class: 'muted' }, 'More keys exist: narrow the prefix.') : null,
      );
    } catch (err) {
      replace(list, h('p', { class: 'error' }, errorText(err)));
    }
  };
  const go = (p: string) => {
    prefix.value = p;
    void load();
  };
  const showImage = (key: string) => replace(preview, h('div', { class: 'card' }, h('code', {}, key), h('br'), h('img', { class: 'preview', src: s3Path(bucket.value, key), alt: key })));
  const remove = async (key: string) => {
    if (!confirm(`Delete ${key}?`)) return;
    try {
      await s3Send('DELETE', bucket.value, key);
      message.textContent = `Deleted ${key}`;
    } catch (err) {
      message.textContent = errorText(err);
    }
    await load();
  };
  const upload = async () => {
    const f = file.files?.[0];
    if (!f) return;
    const key = `${prefix.value}${f.name}`;
    try {
      await s3Send('PUT', bucket.value, key, f);
      message.textContent = `Uploaded ${key} (${f.size} bytes)`;
    } catch (err) {
      message.textContent = errorText(err);
    }
    await load();
  };

  bucket.addEventListener('change', () => go(''));
  replace(
    ctx.main,
    h('h1', {}, 'Storage'),
    h('div', { class: 'bar' }, bucket),
    paths,
    h('form', { onsubmit: (e: Event) => (e.preventDefault(), void load()) }, prefix, h('button', {}, 'List')),
    h('form', { id: 'upload', onsubmit: (e: Event) => (e.preventDefault(), void upload()) }, file, h('button', { class: 'primary' }, 'Upload to this prefix')),
    message,
    list,
    preview,
  );
  await load();
}
