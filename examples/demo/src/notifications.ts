import { must, type DataClient } from './data.js';
import { errorText, h } from './dom.js';
import { adminEndpoint } from './local.js';

/** What the local cloud's outbox holds for one push (`GET /_local/outbox?channel=push`). */
interface OutboxPush {
  id: string;
  to: string;
  subject?: string;
  body: string;
  data?: { data?: Record<string, string> };
  createdAt: string;
}

const POLL_MS = 1000;

/**
 * The device and its notifications. A phone app registers the token APNs or FCM gave it as a Device
 * (owner-only); the post-processor pushes to the owner's devices when their post goes live and when
 * someone else comments on it. A browser has no such token, so the demo registers a made-up one.
 *
 * The notifications list is the local stand-in for the device's push service: the local cloud records
 * pushes in its outbox instead of sending them, and this page polls the outbox for its tokens.
 */
export function startNotifications(client: DataClient): { element: HTMLElement; stop(): void } {
  const tokens = new Set<string>();
  const deviceList = h('ul', { className: 'devices' });
  const notices = h('ul', { className: 'notifications' });
  const status = h('p', { className: 'status error' });
  const pollStatus = h('p', { className: 'status error' });
  const register = h('button', { type: 'button', textContent: 'Register this browser as a device' });
  const admin = adminEndpoint();

  function addDevice(token: string): void {
    if (tokens.has(token)) return;
    tokens.add(token);
    deviceList.append(h('li', { className: 'token', textContent: token }));
  }

  register.addEventListener('click', () => {
    register.disabled = true;
    status.textContent = '';
    // FCM is the platform an Android (or web) app would register; an iOS app registers APNS.
    client.models.Device.create({ token: `web-demo-${crypto.randomUUID()}`, platform: 'FCM' })
      .then((result) => addDevice(must(result).token))
      .catch((err: unknown) => (status.textContent = `Registering failed: ${errorText(err)}`))
      .finally(() => (register.disabled = false));
  });

  client.models.Device.list().then(
    (result) => must(result).forEach((d) => addDevice(d.token)),
    (err: unknown) => (status.textContent = `Devices: ${errorText(err)}`),
  );

  const shown = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  async function poll(): Promise<void> {
    try {
      const res = await fetch(`${admin}/outbox?channel=push`);
      if (!res.ok) throw new Error(`outbox: HTTP ${res.status}`);
      const { messages } = (await res.json()) as { messages: OutboxPush[] };
      for (const m of messages) {
        if (shown.has(m.id) || !tokens.has(m.to)) continue;
        shown.add(m.id);
        notices.prepend(notification(m));
      }
      pollStatus.textContent = '';
    } catch (err) {
      pollStatus.textContent = `Polling the outbox failed: ${errorText(err)}`;
    }
    if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
  }
  if (admin) void poll();

  const element = h(
    'aside',
    { className: 'card device' },
    h('h2', { textContent: 'This device' }),
    register,
    status,
    h('h3', { textContent: 'Registered tokens' }),
    deviceList,
    h('h2', { textContent: 'Notifications' }),
    admin
      ? h(
          'p',
          { className: 'hint local' },
          h('strong', { textContent: 'Local stand-in for the device’s push service. ' }),
          'The local cloud records pushes instead of sending them to APNs or FCM; this list polls its outbox ',
          h('code', { textContent: 'GET /_local/outbox?channel=push' }),
          ' for this device’s tokens.',
        )
      : h('p', { className: 'hint', textContent: 'Against a deployed backend, pushes go to the real device through APNs or FCM.' }),
    notices,
    pollStatus,
  );
  return {
    element,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

function notification(m: OutboxPush): HTMLElement {
  const type = m.data?.data?.type;
  return h(
    'li',
    { className: 'notification' },
    h('strong', { textContent: m.subject ?? '(no title)' }),
    h('span', { textContent: m.body }),
    h('small', { textContent: `${new Date(m.createdAt).toLocaleTimeString()}${type ? ` · ${type}` : ''} · to ${m.to.slice(0, 17)}…` }),
  );
}
