import type { Clock, IdSource } from './clock.js';
import type { Logger } from './logger.js';
import type { Outbox, OutboxMessage } from './outbox.js';
import { JsonFile } from './persist.js';

/** Keeps the outbox file small: the oldest messages go first. */
const MAX_MESSAGES = 5000;

/**
 * The outbox kept in `<dataDir>/outbox.json`. Adds are written on the next tick (a burst of pushes
 * costs one write) and on `flush()`, which `stop()` calls; codes are printed so a developer can
 * sign up without opening the outbox.
 */
export class FileOutbox implements Outbox {
  private readonly file: JsonFile<{ messages: OutboxMessage[] }>;
  private messages: OutboxMessage[];
  private pending: NodeJS.Immediate | undefined;
  private readonly listeners = new Set<(message: OutboxMessage) => void>();

  constructor(
    dataDir: string,
    private readonly clock: Clock,
    private readonly ids: IdSource,
    private readonly log: Logger,
  ) {
    this.file = new JsonFile(dataDir, 'outbox.json');
    this.messages = this.file.load()?.messages ?? [];
  }

  add(message: Omit<OutboxMessage, 'id' | 'createdAt'>): OutboxMessage {
    const stored: OutboxMessage = { id: this.ids.uuid(), ...message, createdAt: new Date(this.clock.now()).toISOString() };
    this.messages.push(stored);
    if (this.messages.length > MAX_MESSAGES) this.messages.splice(0, this.messages.length - MAX_MESSAGES);
    this.log.info(describeMessage(stored));
    this.scheduleWrite();
    for (const listener of this.listeners) {
      try {
        listener(stored);
      } catch (err) {
        this.log.error(`an outbox listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return stored;
  }

  subscribe(listener: (message: OutboxMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(filter: { channel?: OutboxMessage['channel']; to?: string } = {}): OutboxMessage[] {
    return this.messages.filter((m) => (!filter.channel || m.channel === filter.channel) && (!filter.to || m.to === filter.to));
  }

  clear(): void {
    this.messages = [];
    this.flush();
  }

  /** Writes pending messages now. */
  flush(): void {
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
    this.file.save({ messages: this.messages });
  }

  private scheduleWrite(): void {
    if (this.pending) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      try {
        this.flush();
      } catch (err) {
        this.log.error(`could not write the outbox: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }
}

function describeMessage(m: OutboxMessage): string {
  const code = m.code ? ` code ${m.code}` : '';
  const subject = m.subject ? ` "${m.subject}"` : '';
  return `${m.channel} to ${m.to}${subject}${code}`;
}
