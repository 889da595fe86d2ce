/**
 * Swaps a running local cloud's services onto a new BackendModel (hot reload). Unchanged services
 * keep running untouched. A changed service with `reload()` reloads in place (state, sockets and
 * its offers kept); any other changed service is replaced: stopped, created anew with the same data
 * folder, started, its offers published again, connected. A service whose `connect()` looked up a
 * replaced service's capabilities is replaced too, since it holds the stale ones.
 */
import type { BackendModel } from '../assembly/model.js';
import type { Logger } from '../core/logger.js';
import type { Capabilities, Peers, Registry } from '../core/registry.js';
import type { LocalService, Offers, ServiceContext, ServiceFactory, ServiceName } from '../core/service.js';
import { changedServices, type ServiceChange } from './model_diff.js';

type CapabilityKey = keyof Capabilities;

/** One running service and what the frame knows about it. */
export interface RunningService {
  factory: ServiceFactory;
  ctx: ServiceContext;
  service: LocalService;
  /** Capabilities it published from `start()`. */
  offers: CapabilityKey[];
  /** Capabilities its `connect()` looked up (present or not). */
  connectReads: Set<CapabilityKey>;
}

export interface SwapFrame {
  /** In routing order. */
  running: RunningService[];
  /** The array the front door routes over: kept equal to `running`'s services. */
  services: LocalService[];
  registry: Registry;
  log: Logger;
}

export interface SwapReport {
  changes: ServiceChange[];
  reloaded: ServiceName[];
  replaced: ServiceName[];
  unchanged: ServiceName[];
  /** What services said while reloading (dropped items, closed subscriptions...). */
  notes: string[];
}

export async function startService(registry: Registry, entry: RunningService): Promise<void> {
  const offers = (await entry.service.start()) as Offers | void;
  registry.publish(offers);
  entry.offers = Object.entries(offers ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k as CapabilityKey);
}

export function connectService(registry: Registry, entry: RunningService): void {
  if (!entry.service.connect) return;
  entry.connectReads = new Set();
  entry.service.connect(recordingPeers(registry, entry.connectReads));
}

function recordingPeers(registry: Registry, reads: Set<CapabilityKey>): Peers {
  return {
    tryGet: (key) => {
      reads.add(key);
      return registry.tryGet(key);
    },
    get: (key) => {
      reads.add(key);
      return registry.get(key);
    },
  };
}

/**
 * Applies `next`. Throws (having put back what it changed) when a service cannot take it: the old
 * backend keeps running.
 */
export async function swapServices(frame: SwapFrame, next: BackendModel): Promise<SwapReport> {
  const names = frame.running.map((r) => r.factory.name);
  const changes = frame.running.flatMap((r) => changedServices(r.ctx.model, next, [r.factory.name]));
  const changed = new Set(changes.map((c) => c.name));
  const notes: string[] = [];

  // In place first: each is atomic, and they are rolled back if a later one refuses the model.
  const reloaded: RunningService[] = [];
  const toReplace = new Set<RunningService>();
  for (const entry of frame.running) {
    if (!changed.has(entry.factory.name)) continue;
    if (!entry.service.reload) {
      toReplace.add(entry);
      continue;
    }
    const previous = entry.ctx.model;
    try {
      const said = await entry.service.reload(next);
      if (!said) {
        toReplace.add(entry);
        continue;
      }
      notes.push(...said);
      entry.ctx.model = next;
      reloaded.push(entry);
    } catch (err) {
      for (const done of reloaded.reverse()) {
        await done.service.reload!(previous).catch((e: unknown) => frame.log.error(`putting ${done.factory.name} back failed: ${String(e)}`));
        done.ctx.model = previous;
      }
      throw err;
    }
  }

  // Peers that wired themselves to a replaced service in connect() hold stale capabilities.
  for (let grew = true; grew; ) {
    grew = false;
    const stale = new Set([...toReplace].flatMap((r) => r.offers));
    for (const entry of frame.running) {
      if (toReplace.has(entry)) continue;
      if ([...entry.connectReads].some((k) => stale.has(k) || [...toReplace].some((r) => k.startsWith(`${r.factory.name}.`)))) {
        toReplace.add(entry);
        grew = true;
      }
    }
  }

  const replacing = frame.running.filter((r) => toReplace.has(r));
  // Reverse order, as at shutdown: a service may still use a peer while it stops.
  for (const entry of [...replacing].reverse()) {
    try {
      await entry.service.stop();
    } catch (err) {
      frame.log.error(`stopping ${entry.factory.name} for the reload failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    for (const key of entry.offers) frame.registry.withdraw(key);
    entry.offers = [];
  }
  for (const entry of replacing) {
    try {
      await recreate(frame, entry, next);
    } catch (err) {
      // The new model does not start: bring the old one back so the backend keeps serving.
      frame.log.error(`${entry.factory.name} cannot start with the new backend: ${err instanceof Error ? err.message : String(err)}`);
      await recreate(frame, entry, entry.ctx.model);
      notes.push(`${entry.factory.name}: kept the previous backend (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  for (const entry of replacing) connectService(frame.registry, entry);

  return {
    changes,
    reloaded: reloaded.map((r) => r.factory.name),
    replaced: replacing.map((r) => r.factory.name),
    unchanged: names.filter((n) => !changed.has(n) && !replacing.some((r) => r.factory.name === n)),
    notes,
  };
}

async function recreate(frame: SwapFrame, entry: RunningService, model: BackendModel): Promise<void> {
  const ctx: ServiceContext = { ...entry.ctx, model };
  const service = entry.factory.create(ctx);
  const fresh: RunningService = { ...entry, ctx, service, offers: [], connectReads: new Set() };
  await startService(frame.registry, fresh);
  Object.assign(entry, fresh);
  const i = frame.services.findIndex((s) => s.name === entry.factory.name);
  if (i >= 0) frame.services[i] = service;
}
