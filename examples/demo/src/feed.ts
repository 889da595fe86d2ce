import { getUrl } from 'aws-amplify/storage';
import { withStorageEndpoint } from '../../../src/client/index.js';
import { authorLabels } from './authors.js';
import { must, type Comment, type DataClient, type Post } from './data.js';
import { errorText, field, h, onSubmit } from './dom.js';

/**
 * The live feed: `observeQuery` lists the posts, then keeps the list current from the onCreate,
 * onUpdate and onDelete subscriptions (over the client's own WebSocket), so a new post, its moderation
 * result and new comments appear without a reload. Cards are updated in place, not rebuilt, so
 * images are fetched once and a comment being typed survives other people's updates.
 *
 * Everyone signed in may read every post; the feed shows PUBLISHED posts, plus the user's own posts in
 * any status (new posts start PENDING until the post-processor has moderated them).
 */
export function startFeed(client: DataClient, me: string): { element: HTMLElement; stop(): void } {
  const list = h('div', { className: 'posts' });
  const empty = h('p', { className: 'hint', textContent: 'No posts yet.' });
  const status = h('p', { className: 'status error' });
  const element = h('section', { className: 'feed' }, h('h2', { textContent: 'Feed' }), status, empty, list);
  const cards = new Map<string, PostCard>();
  const author = authorLabels(client, me);
  let commentsByPost = new Map<string, Comment[]>();

  function showPosts(items: Post[]): void {
    const visible = items
      .filter((p) => p.status === 'PUBLISHED' || p.owner === me)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    for (const [id, card] of cards) {
      if (!visible.some((p) => p.id === id)) {
        card.element.remove();
        cards.delete(id);
      }
    }
    visible.forEach((post, index) => {
      let card = cards.get(post.id);
      if (!card) {
        card = postCard(client, post, author);
        cards.set(post.id, card);
        card.showComments(commentsByPost.get(post.id) ?? []);
      }
      card.update(post);
      // Move only what is out of place: moving a card that holds the focused comment box would blur it.
      if (list.children[index] !== card.element) list.insertBefore(card.element, list.children[index] ?? null);
    });
    empty.hidden = visible.length > 0;
  }

  function showComments(items: Comment[]): void {
    commentsByPost = new Map();
    for (const c of [...items].sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
      commentsByPost.set(c.postId, [...(commentsByPost.get(c.postId) ?? []), c]);
    }
    for (const [id, card] of cards) card.showComments(commentsByPost.get(id) ?? []);
  }

  const failed = (what: string) => (err: unknown) => void (status.textContent = `${what}: ${errorText(err)}`);
  const posts = client.models.Post.observeQuery().subscribe({ next: ({ items }) => showPosts(items), error: failed('Live posts stopped') });
  // One live query for all comments keeps the demo short; an app with many posts would list a post's
  // comments when it is opened, with the `listCommentsByPost` index query.
  const comments = client.models.Comment.observeQuery().subscribe({
    next: ({ items }) => showComments(items),
    error: failed('Live comments stopped'),
  });

  return {
    element,
    stop() {
      posts.unsubscribe();
      comments.unsubscribe();
    },
  };
}

interface PostCard {
  element: HTMLElement;
  update(post: Post): void;
  showComments(comments: Comment[]): void;
}

function postCard(client: DataClient, post: Post, author: (owner: string | null | undefined) => HTMLElement): PostCard {
  const title = h('h3');
  const badge = h('span', { className: 'badge' });
  const content = h('p');
  const byline = h('p', { className: 'byline' }, 'by ', author(post.owner), ` · ${new Date(post.createdAt).toLocaleString()}`);
  const comments = h('ul', { className: 'comments' });
  const element = h(
    'article',
    { className: 'post' },
    post.imageKey ? postImage(post.imageKey, post.title) : null,
    h('div', { className: 'body' }, h('div', { className: 'title-row' }, title, badge), content, byline, comments, commentForm(client, post.id)),
  );

  return {
    element,
    update(p) {
      title.textContent = p.title;
      content.textContent = p.content;
      // Others only ever see PUBLISHED posts, so the badge is for the owner: PENDING, or FLAGGED and why.
      badge.hidden = p.status === 'PUBLISHED';
      badge.textContent = badge.hidden ? '' : `${p.status ?? 'PENDING'}${p.moderationReason ? `: ${p.moderationReason}` : ''}`;
    },
    showComments(list) {
      comments.replaceChildren(...list.map((c) => h('li', {}, author(c.owner), ' ', h('span', { textContent: c.content }))));
    },
  };
}

/**
 * The post's photo through a presigned `getUrl` (media/ is readable by every signed-in user). The
 * `<img>` fetches it like any image: no credentials in the page's requests, only in the URL's signature.
 */
function postImage(path: string, alt: string): HTMLElement {
  const img = h('img', { alt });
  getUrl({ path, options: withStorageEndpoint({ expiresIn: 3600 }) }).then(
    ({ url }) => (img.src = url.href),
    (err: unknown) => img.replaceWith(h('p', { className: 'status error', textContent: `Image: ${errorText(err)}` })),
  );
  return img;
}

function commentForm(client: DataClient, postId: string): HTMLFormElement {
  const input = h('input', { type: 'text', name: 'content', required: true, maxLength: 500 });
  const status = h('p', { className: 'status' });
  const form = h('form', { className: 'comment-form' }, h('fieldset', {}, field('Comment', input), h('button', { type: 'submit', textContent: 'Add comment' })), status);
  onSubmit(form, status, async (data) => {
    must(await client.models.Comment.create({ postId, content: String(data.get('content')) }));
    form.reset();
  });
  return form;
}
