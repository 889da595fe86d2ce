import { signOut, type AuthUser } from 'aws-amplify/auth';
import { generateClient } from 'aws-amplify/data';
import type { Schema } from '../../../amplify/data/resource.js';
import { h } from './dom.js';
import { startFeed } from './feed.js';
import { newPostView } from './new_post.js';
import { startNotifications } from './notifications.js';

/** Signed in: the composer and the live feed, with the device and its notifications beside them. */
export function renderSignedIn(root: HTMLElement, user: AuthUser): () => void {
  // User-pool mode: the client sends the signed-in user's access token with every request.
  const client = generateClient<Schema>();
  const feed = startFeed(client, user.username);
  const notifications = startNotifications(client);
  const signOutButton = h('button', { type: 'button', className: 'secondary', textContent: 'Sign out' });
  // signOut announces `signedOut` on the auth Hub channel; main.ts then shows the signed-out view.
  signOutButton.addEventListener('click', () => void signOut());

  root.replaceChildren(
    h(
      'header',
      {},
      h('h1', { textContent: 'Demo app' }),
      h('p', { className: 'who' }, 'Signed in as ', h('strong', { textContent: user.signInDetails?.loginId ?? user.username }), ' ', signOutButton),
    ),
    h('div', { className: 'layout' }, h('div', { className: 'main' }, newPostView(client), feed.element), notifications.element),
  );
  return () => {
    feed.stop();
    notifications.stop();
  };
}
