import { getJson, type Overview } from './api.js';
import { errorText, h, replace } from './dom.js';
import { renderDashboard } from './pages/dashboard.js';
import { renderData } from './pages/data.js';
import { renderEvents } from './pages/events.js';
import { renderOutbox } from './pages/outbox.js';
import { renderOverview } from './pages/overview.js';
import { renderRequests } from './pages/requests.js';
import { renderStorage } from './pages/storage.js';
import { renderUsers } from './pages/users.js';

/** What every page gets: where to draw, the cloud's overview, and a way to stop its timers. */
export interface PageContext {
  main: HTMLElement;
  overview: Overview;
  /** Runs `fn` every `ms` until the page is left. */
  every(ms: number, fn: () => Promise<void> | void): void;
  /** Runs `fn` when the page is left (closing an event stream). */
  onLeave(fn: () => void): void;
  /** The hash route's query (`#/users?pool=…`). */
  params: URLSearchParams;
}

type Page = (ctx: PageContext) => Promise<void> | void;

const pages: Record<string, Page> = {
  overview: renderOverview,
  users: renderUsers,
  data: renderData,
  storage: renderStorage,
  outbox: renderOutbox,
  events: renderEvents,
  requests: renderRequests,
  dashboard: renderDashboard,
};

let timers: number[] = [];
const leaving: (() => void)[] = [];
let overview: Overview | undefined;

async function show(): Promise<void> {
  for (const t of timers) clearInterval(t);
  timers = [];
  for (const fn of leaving.splice(0)) fn();
  const [route, query] = location.hash.replace(/^#\/?/, '').split('?');
  const id = route && pages[route] ? route : 'overview';
  for (const a of Array.from(document.querySelectorAll('nav a'))) a.classList.toggle('active', a.getAttribute('data-page') === id);
  const main = document.getElementById('main')!;
  main.dataset.page = id;
  try {
    overview ??= await getJson<Overview>('/_local/overview');
    const mine = timers;
    await pages[id]({
      main,
      overview,
      params: new URLSearchParams(query ?? ''),
      onLeave(fn) {
        if (mine === timers) leaving.push(fn);
        else fn();
      },
      every(ms, fn) {
        if (mine !== timers) return;
        let running = false;
        timers.push(
          window.setInterval(() => {
            if (running) return;
            running = true;
            void Promise.resolve(fn())
              .catch(() => undefined)
              .finally(() => (running = false));
          }, ms),
        );
      },
    });
  } catch (err) {
    replace(main, h('h1', {}, id), h('p', { class: 'error' }, errorText(err)));
  }
}

/** The header's health light: `/_local/health` every two seconds. */
async function health(): Promise<void> {
  const el = document.getElementById('status')!;
  try {
    const r = await getJson<{ status: string; services: string[]; uptime: number }>('/_local/health');
    el.textContent = `${r.status} · ${r.services.length} services · up ${Math.round(r.uptime)} s`;
    el.className = 'status ok';
  } catch {
    el.textContent = 'not reachable';
    el.className = 'status down';
  }
}

interface ReloadState {
  state: 'idle' | 'reloading' | 'failed';
  reloads: number;
  lastError: { message: string; resolution?: string; output?: string } | null;
}

/**
 * Hot reload's state in the header (`/_local/reload`; absent with --no-watch): an edit that did not
 * apply stays in view, with its output on hover, while the last good backend keeps serving.
 */
async function reloadState(): Promise<void> {
  const el = document.getElementById('reload')!;
  let r: ReloadState;
  try {
    r = await getJson<ReloadState>('/_local/reload');
  } catch {
    el.hidden = true;
    return;
  }
  el.hidden = r.state === 'idle' && r.reloads === 0;
  el.className = `reload ${r.state === 'failed' ? 'failed' : r.state === 'reloading' ? 'busy' : 'ok'}`;
  el.textContent =
    r.state === 'failed' && r.lastError
      ? `Last edit not applied: ${r.lastError.message} (serving the last good backend)`
      : r.state === 'reloading'
        ? 'Reloading amplify/…'
        : `Reloaded ${r.reloads}×`;
  el.title = r.state === 'failed' && r.lastError ? [r.lastError.resolution, r.lastError.output?.slice(-2000)].filter(Boolean).join('\n\n') : '';
}

window.addEventListener('hashchange', () => void show());
void show();
void health();
setInterval(() => void health(), 2000);
void reloadState();
setInterval(() => void reloadState(), 1000);
