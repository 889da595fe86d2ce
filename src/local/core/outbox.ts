/** Everything the local cloud "sent": emails, SMS and pushes, readable through `GET /_local/outbox`. */
export interface OutboxMessage {
  id: string;
  channel: 'email' | 'sms' | 'push';
  to: string;
  subject?: string;
  body: string;
  /** Verification / MFA code carried by the message, when there is one. */
  code?: string;
  /** Extra data (push payload data, title, channel type...). */
  data?: Record<string, unknown>;
  /** ISO 8601. */
  createdAt: string;
}

export interface Outbox {
  add(message: Omit<OutboxMessage, 'id' | 'createdAt'>): OutboxMessage;
  /** Oldest first, optionally filtered. */
  list(filter?: { channel?: OutboxMessage['channel']; to?: string }): OutboxMessage[];
  clear(): void;
  /** Calls `listener` with every message added from now on; returns the unsubscribe function. */
  subscribe?(listener: (message: OutboxMessage) => void): () => void;
}
