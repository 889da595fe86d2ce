import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BackendModel } from '../../src/local/assembly/model.js';
import { cryptoIds, ManualClock, systemClock, type Clock, type IdSource } from '../../src/local/core/clock.js';
import { silentLogger, type Logger } from '../../src/local/core/logger.js';
import type { Outbox, OutboxMessage } from '../../src/local/core/outbox.js';
import { Registry } from '../../src/local/core/registry.js';
import type { LocalService, ServiceContext, ServiceName } from '../../src/local/core/service.js';
import { minimalModel } from './minimal_model.js';

/**
 * Building one local service in isolation, as the frame (`src/local/app.ts`) would: a
 * ServiceContext on its own registry, then `startService` for start → publish → connect.
 * Whole-cloud tests use `local_cloud.ts` instead.
 */

export const LOCAL_ENDPOINT = 'https://127.0.0.1:20002';

/** An outbox kept in memory: what a service "sent", for assertions (codes, SMS, pushes). */
export class MemoryOutbox implements Outbox {
  readonly messages: OutboxMessage[] = [];
  private readonly clock: Clock;
  private readonly refuse?: string;

  /** With `refuse`, `add` throws that message: for services that must never send anything. */
  constructor(opts: { clock?: Clock; refuse?: string } = {}) {
    this.clock = opts.clock ?? systemClock;
    this.refuse = opts.refuse;
  }

  add(message: Omit<OutboxMessage, 'id' | 'createdAt'>): OutboxMessage {
    if (this.refuse !== undefined) throw new Error(this.refuse);
    const stored: OutboxMessage = { ...message, id: `m${this.messages.length + 1}`, createdAt: new Date(this.clock.now()).toISOString() };
    this.messages.push(stored);
    return stored;
  }

  list(filter: { channel?: OutboxMessage['channel']; to?: string } = {}): OutboxMessage[] {
    return this.messages.filter((m) => (!filter.channel || m.channel === filter.channel) && (!filter.to || m.to === filter.to));
  }

  clear(): void {
    this.messages.length = 0;
  }

  /** The code of the newest message to `to`. */
  lastCode(to: string): string {
    const m = this.list({ to }).at(-1);
    if (!m?.code) throw new Error(`no code was sent to ${to}`);
    return m.code;
  }
}

export interface ServiceContextOptions<C extends Clock> {
  /** Default: `minimalModel()`. */
  model?: BackendModel;
  /** The service's name: names its folder under a fresh data dir, as the frame does. */
  name?: ServiceName;
  /** The service's own folder; default `<fresh temp dir>/<name>` (created, and removed by `cleanup`). */
  dataDir?: string;
  /** Default `https://127.0.0.1:20002`. The frame sets it before `start()`; a test may do the same. */
  endpoint?: string;
  /** Default: a ManualClock at the current time. */
  clock?: C;
  /** Default: `cryptoIds`. */
  ids?: IdSource;
  /** Default: `silentLogger`. */
  log?: Logger;
  /** Share a registry between several services (started in frame order by the caller). */
  registry?: Registry;
  /** Share an outbox; default a new MemoryOutbox on `clock`. */
  outbox?: MemoryOutbox;
  /** The service must send nothing: the outbox throws this message on `add`. */
  noMessages?: string;
}

export interface TestServiceContext<C extends Clock> {
  ctx: ServiceContext;
  registry: Registry;
  outbox: MemoryOutbox;
  clock: C;
  /** Removes the data dir if this builder created it (a no-op for a caller's `dataDir`). */
  cleanup(): void;
}

/** A ServiceContext for one service, with its registry, outbox and clock at hand. */
export function serviceContext<C extends Clock = ManualClock>(opts: ServiceContextOptions<C> = {}): TestServiceContext<C> {
  const clock = (opts.clock ?? new ManualClock(Date.now())) as C;
  const registry = opts.registry ?? new Registry();
  const outbox = opts.outbox ?? new MemoryOutbox({ clock, refuse: opts.noMessages });
  let root: string | undefined;
  let dataDir = opts.dataDir;
  if (dataDir === undefined) {
    const name = opts.name ?? 'service';
    root = mkdtempSync(path.join(tmpdir(), `${name}-`));
    dataDir = path.join(root, name);
    mkdirSync(dataDir, { recursive: true });
  }
  const ctx: ServiceContext = {
    model: opts.model ?? minimalModel(),
    dataDir,
    endpoint: opts.endpoint ?? LOCAL_ENDPOINT,
    registry,
    clock,
    ids: opts.ids ?? cryptoIds,
    outbox,
    log: opts.log ?? silentLogger,
  };
  return {
    ctx,
    registry,
    outbox,
    clock,
    cleanup: () => {
      if (root) rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The frame's lifecycle for a single service: start, publish what it offers, connect to peers. */
export async function startService<S extends LocalService>(service: S, registry: Registry): Promise<S> {
  registry.publish(await service.start());
  service.connect?.(registry);
  return service;
}
