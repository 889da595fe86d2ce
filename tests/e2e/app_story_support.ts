import { Hub } from 'aws-amplify/utils';
import type { Clock } from '../../src/local/core/clock.js';
import type { OutboxMessage } from '../../src/local/core/outbox.js';

/**
 * Waiting helpers for the app story. Asynchronous effects (table stream → function → GraphQL →
 * subscription, push → outbox) are polled against a deadline, never awaited with fixed sleeps.
 */

/** How long one asynchronous effect of the story may take before the step fails. */
export const EFFECT_DEADLINE_MS = 10_000;

/**
 * Calls `probe` until it returns something other than undefined, or fails with `what` and the last
 * value seen once `timeoutMs` has passed (the message says what was being waited for).
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = EFFECT_DEADLINE_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Resolves when the Amplify client reports `start_ack` for a subscription whose variables match.
 * The v6 client has no per-call "subscribed" callback; it announces acks on the Hub `api` channel,
 * so a test can wait for the ack instead of hoping the subscription is live.
 */
export function subscriptionAck(matches: (variables: Record<string, unknown>) => boolean, timeoutMs = EFFECT_DEADLINE_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no start_ack for the subscription within ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = Hub.listen('api', ({ payload }) => {
      const data = payload.data as { variables?: Record<string, unknown> } | undefined;
      if (payload.event === 'Subscription ack' && matches(data?.variables ?? {})) {
        clearTimeout(timer);
        stop();
        resolve();
      }
    });
  });
}

/** Push messages to one device token (the local Pinpoint records a push per address). */
export function pushesTo(messages: OutboxMessage[], token: string): OutboxMessage[] {
  return messages.filter((m) => m.channel === 'push' && m.to === token);
}

/** The app's own data map of a recorded push (`MessageConfiguration.*Message.Data`). */
export function pushData(message: OutboxMessage): Record<string, string> {
  return ((message.data as { data?: Record<string, string> } | undefined)?.data ?? {}) as Record<string, string>;
}

/** Real time plus an offset, so a step can move the local cloud past credential expiry and back. */
export class OffsetClock implements Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
}
