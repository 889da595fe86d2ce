import type { DataClient } from './data.js';
import { h } from './dom.js';

/**
 * Author names for posts and comments: "you", or the display name from the author's UserProfile (which
 * the post-confirmation trigger creates at sign-up). Each profile is read once; `label(owner)` returns
 * an element that shows the name as soon as it is known.
 */
export function authorLabels(client: DataClient, me: string): (owner: string | null | undefined) => HTMLElement {
  const known = new Map<string, string>([[me, 'you']]);
  const pending = new Map<string, Promise<string>>();

  function lookUp(owner: string): Promise<string> {
    let name = pending.get(owner);
    if (!name) {
      // The API returns `owner` as the username; with e-mail sign-in that is the user's sub, the profile's id.
      name = client.models.UserProfile.get({ id: owner }).then(
        ({ data }) => data?.displayName ?? 'someone',
        () => 'someone',
      );
      void name.then((n) => known.set(owner, n));
      pending.set(owner, name);
    }
    return name;
  }

  return (owner) => {
    const label = h('strong', { className: 'author', textContent: (owner && known.get(owner)) ?? (owner ? '…' : 'someone') });
    if (owner && !known.has(owner)) void lookUp(owner).then((name) => (label.textContent = name));
    return label;
  };
}
