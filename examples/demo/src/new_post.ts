import { uploadData } from 'aws-amplify/storage';
import { withStorageEndpoint } from '../../../src/client/index.js';
import { must, type DataClient } from './data.js';
import { field, h, onSubmit } from './dom.js';

/**
 * The composer: the photo goes to Storage first (`uploadData` to media/<identity id>/, which only its
 * owner may write and every signed-in user may read), then the post is created with the photo's key.
 * The feed shows the new post through its live query; nothing here adds it by hand.
 */
export function newPostView(client: DataClient): HTMLElement {
  const title = h('input', { type: 'text', name: 'title', required: true, maxLength: 120 });
  const content = h('textarea', { name: 'content', required: true, rows: 3 });
  const photo = h('input', { type: 'file', name: 'photo', accept: 'image/*' });
  const status = h('p', { className: 'status' });
  const form = h(
    'form',
    {},
    h('fieldset', {}, field('Title', title), field('Text', content), field('Photo', photo), h('button', { type: 'submit', textContent: 'Post' })),
  );

  onSubmit(form, status, async (data) => {
    const file = data.get('photo');
    let imageKey: string | undefined;
    if (file instanceof File && file.size > 0) {
      const upload = uploadData({
        // The identity id comes from the signed-in user's identity-pool credentials.
        path: ({ identityId }) => `media/${identityId}/${crypto.randomUUID()}-${file.name.replace(/[^\w.-]+/g, '_')}`,
        data: file,
        options: withStorageEndpoint({
          contentType: file.type || 'application/octet-stream',
          onProgress: ({ transferredBytes, totalBytes }: { transferredBytes: number; totalBytes?: number }) => {
            status.textContent = `Uploading photo… ${totalBytes ? Math.round((100 * transferredBytes) / totalBytes) : 0}%`;
          },
        }),
      });
      imageKey = (await upload.result).path;
    }
    // `owner` and the PENDING status are filled in by the API; the post-processor moderates the post.
    must(await client.models.Post.create({ title: String(data.get('title')), content: String(data.get('content')), imageKey }));
    form.reset();
    status.textContent = 'Posted. It goes live once moderation has run.';
  });

  return h('section', { className: 'card composer' }, h('h2', { textContent: 'New post' }), form, status);
}
