import { confirmSignUp, signIn, signUp } from 'aws-amplify/auth';
import { field, h, onSubmit } from './dom.js';
import { adminEndpoint } from './local.js';

/**
 * Signed out: sign in, or create an account (email, phone and password, as the user pool requires)
 * and confirm it with the code Cognito e-mails. A successful sign-in is announced on the `auth` Hub
 * channel, which main.ts listens to; this view does not switch itself.
 */
export function renderSignedOut(root: HTMLElement): () => void {
  const signInForm = signInView();
  const signUpForm = signUpView((email) => {
    signInForm.email.value = email;
    signInForm.password.focus();
  });
  root.replaceChildren(
    h('h1', { textContent: 'Demo app' }),
    h('p', { className: 'lead', textContent: 'Posts with photos, comments and push notifications, on this repository’s backend.' }),
    h('div', { className: 'columns' }, signInForm.section, signUpForm),
  );
  return () => undefined;
}

function signInView() {
  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'username' });
  const password = h('input', { type: 'password', name: 'password', required: true, autocomplete: 'current-password' });
  const status = h('p', { className: 'status' });
  const form = h('form', {}, h('fieldset', {}, field('Email', email), field('Password', password), h('button', { type: 'submit', textContent: 'Sign in' })));
  onSubmit(form, status, async (data) => {
    // USER_SRP_AUTH by default: the password never leaves the page.
    const { isSignedIn, nextStep } = await signIn({ username: String(data.get('email')), password: String(data.get('password')) });
    if (!isSignedIn) status.textContent = `Next step ${nextStep.signInStep} is not handled by this demo.`;
  });
  return { section: h('section', { className: 'card' }, h('h2', { textContent: 'Sign in' }), form, status), email, password };
}

function signUpView(onConfirmed: (email: string) => void): HTMLElement {
  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'username' });
  const phone = h('input', { type: 'tel', name: 'phone', required: true, placeholder: '+15555550100', pattern: '\\+[0-9]{6,15}' });
  const password = h('input', { type: 'password', name: 'password', required: true, autocomplete: 'new-password', minLength: 8 });
  const status = h('p', { className: 'status' });
  const form = h(
    'form',
    {},
    h(
      'fieldset',
      {},
      field('Email', email),
      field('Phone (E.164)', phone),
      field('Password', password),
      h('p', { className: 'hint', textContent: '8+ characters with upper and lower case, a digit and a symbol.' }),
      h('button', { type: 'submit', textContent: 'Sign up' }),
    ),
  );
  const section = h('section', { className: 'card' }, h('h2', { textContent: 'Create an account' }), form, status);

  onSubmit(form, status, async (data) => {
    const username = String(data.get('email'));
    const { nextStep } = await signUp({
      username,
      password: String(data.get('password')),
      options: { userAttributes: { email: username, phone_number: String(data.get('phone')) } },
    });
    if (nextStep.signUpStep === 'CONFIRM_SIGN_UP') section.replaceWith(confirmView(username, onConfirmed));
    else status.textContent = `Signed up (${nextStep.signUpStep}).`;
  });
  return section;
}

function confirmView(username: string, onConfirmed: (email: string) => void): HTMLElement {
  const code = h('input', { type: 'text', name: 'code', required: true, inputMode: 'numeric', autocomplete: 'one-time-code' });
  const status = h('p', { className: 'status' });
  const form = h('form', {}, h('fieldset', {}, field('Confirmation code', code), h('button', { type: 'submit', textContent: 'Confirm' })));
  const admin = adminEndpoint();
  const where = admin
    ? h(
        'p',
        { className: 'hint local' },
        'Local cloud: no e-mail is sent; the code is in its outbox, ',
        h('a', { href: `${admin}/outbox?channel=email&to=${encodeURIComponent(username)}`, target: '_blank', textContent: 'GET /_local/outbox' }),
        '.',
      )
    : h('p', { className: 'hint', textContent: `We e-mailed a code to ${username}.` });
  const section = h('section', { className: 'card' }, h('h2', { textContent: `Confirm ${username}` }), where, form, status);

  onSubmit(form, status, async (data) => {
    await confirmSignUp({ username, confirmationCode: String(data.get('code')).trim() });
    section.replaceChildren(h('h2', { textContent: 'Account confirmed' }), h('p', { textContent: `Sign in as ${username}.` }));
    onConfirmed(username);
  });
  return section;
}
