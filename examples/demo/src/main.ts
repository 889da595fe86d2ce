/**
 * The demo app: the stand-in for the mobile app, a page on the unmodified `aws-amplify` v6 client.
 * `configureAmplify` (src/client) is `Amplify.configure(outputs)` plus, for the local cloud's outputs,
 * the Cognito endpoints that `Amplify.configure` does not read from the file.
 */
import outputs from 'virtual:amplify-outputs';
import { getCurrentUser } from 'aws-amplify/auth';
import { Hub } from 'aws-amplify/utils';
import { configureAmplify } from '../../../src/client/index.js';
import { renderSignedOut } from './auth_view.js';
import { renderSignedIn } from './signed_in_view.js';

configureAmplify(outputs);

const root = document.querySelector<HTMLElement>('#app')!;
let stopView: () => void = () => undefined;

/** Shows the view for the current user; the previous view's subscriptions and timers stop first. */
async function show(): Promise<void> {
  stopView();
  try {
    stopView = renderSignedIn(root, await getCurrentUser());
  } catch {
    // getCurrentUser throws UserUnAuthenticatedException when nobody is signed in (or the session ended).
    stopView = renderSignedOut(root);
  }
}

Hub.listen('auth', ({ payload }) => {
  if (payload.event === 'signedIn' || payload.event === 'signedOut' || payload.event === 'tokenRefresh_failure') void show();
});
void show();
