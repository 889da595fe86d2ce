import type { Logger } from '../../core/logger.js';
import type { ExecuteRequest, GraphqlError, MutationEvent, PrepareSubscriptionResult, SubscriptionPlan } from '../engine/types.js';
import type { DataRecorder } from '../metrics.js';
import { serverMessage } from './protocol.js';

/**
 * Routes published mutation events to live subscriptions.
 *
 * Subscribers that sent the same document with the same variables under the same identity get the
 * same answer for every event, so they share one plan (a "group"): the engine runs the subscription
 * once per group per event and the serialized payload is spliced into each subscriber's message.
 * With 1000 subscribers of one kind a mutation costs one `deliver`, not a thousand.
 * Events are delivered to a group in publication order (each group keeps a promise chain).
 */

export interface Subscriber {
  /** The client's subscription id (unique per connection). */
  id: string;
  /** Sends a text frame; false when the socket is gone. */
  send(frame: string): boolean;
}

interface Group {
  key: string;
  plan: SubscriptionPlan;
  /** What the plan was prepared from, so a reloaded schema can prepare it again. */
  request?: ExecuteRequest;
  members: Set<Subscriber>;
  tail: Promise<void>;
}

export class SubscriptionHub {
  private readonly groups = new Map<string, Group>();
  private readonly byMutation = new Map<string, Set<Group>>();
  private readonly groupOf = new Map<Subscriber, Group>();

  constructor(
    private readonly recorder: DataRecorder,
    private readonly log: Logger,
  ) {}

  /** A live plan for this key, if a subscriber already holds one (skip `prepareSubscription`). */
  planFor(key: string): SubscriptionPlan | undefined {
    return this.groups.get(key)?.plan;
  }

  add(key: string, plan: SubscriptionPlan, subscriber: Subscriber, request?: ExecuteRequest): void {
    let group = this.groups.get(key);
    if (!group) {
      group = { key, plan, request, members: new Set(), tail: Promise.resolve() };
      this.groups.set(key, group);
      this.index(group);
    }
    group.members.add(subscriber);
    this.groupOf.set(subscriber, group);
    this.recorder.gauge('ActiveSubscriptions', 1);
  }

  remove(subscriber: Subscriber): boolean {
    const group = this.groupOf.get(subscriber);
    if (!group) return false;
    this.groupOf.delete(subscriber);
    group.members.delete(subscriber);
    this.recorder.gauge('ActiveSubscriptions', -1);
    if (group.members.size === 0) this.dropGroup(group);
    return true;
  }

  private index(group: Group): void {
    for (const field of group.plan.mutationFields) {
      let set = this.byMutation.get(field);
      if (!set) this.byMutation.set(field, (set = new Set()));
      set.add(group);
    }
  }

  private unindex(group: Group): void {
    for (const field of group.plan.mutationFields) {
      const set = this.byMutation.get(field);
      set?.delete(group);
      if (set?.size === 0) this.byMutation.delete(field);
    }
  }

  private dropGroup(group: Group): void {
    this.groups.delete(group.key);
    this.unindex(group);
  }

  /**
   * After a schema reload: prepares every live subscription again with the new engine. One that
   * no longer validates (its field or a selected field is gone) gets AppSync's `error` message with
   * the validation errors and is ended; the others keep their sockets and receive the new schema's
   * payloads. Returns how many were ended.
   */
  async replan(prepare: (req: ExecuteRequest) => Promise<PrepareSubscriptionResult>): Promise<number> {
    let ended = 0;
    for (const group of [...this.groups.values()]) {
      if (!group.request) continue;
      let result: PrepareSubscriptionResult;
      try {
        result = await prepare(group.request);
      } catch (err) {
        result = { errors: [{ errorType: 'InternalFailure', message: 'An internal failure occurred.' }] };
        this.log.error(`re-preparing a subscription failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
      if (this.groups.get(group.key) !== group) continue; // unsubscribed meanwhile
      if ('plan' in result) {
        // Queued deliveries finish on the old plan; later events use the new one.
        this.unindex(group);
        group.plan = result.plan;
        this.index(group);
        continue;
      }
      for (const member of [...group.members]) {
        member.send(serverMessage.error(member.id, result.errors.map(wireError)));
        this.remove(member);
        ended++;
      }
    }
    return ended;
  }

  get size(): number {
    return this.groupOf.size;
  }

  /** Fan-out of one event. Returns when every interested group has been served (tests, benchmarks). */
  publish(event: MutationEvent): Promise<void> {
    const groups = this.byMutation.get(event.mutationField);
    if (!groups || groups.size === 0) return Promise.resolve();
    const done: Promise<void>[] = [];
    for (const group of groups) {
      group.tail = group.tail.then(() => this.deliver(group, event));
      done.push(group.tail);
    }
    return Promise.all(done).then(() => undefined);
  }

  private async deliver(group: Group, event: MutationEvent): Promise<void> {
    if (group.members.size === 0) return;
    if (group.plan.invalidatedBy?.(event)) {
      // `$extensions.invalidateSubscriptions`: AppSync ends the matching subscriptions.
      for (const member of [...group.members]) {
        member.send(serverMessage.complete(member.id));
        this.remove(member);
      }
      return;
    }
    let result: Awaited<ReturnType<SubscriptionPlan['deliver']>>;
    try {
      result = await group.plan.deliver(event);
    } catch (err) {
      this.recorder.count('PublishDataMessageServerError', group.members.size);
      this.log.error(`delivering ${event.mutationField} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return;
    }
    if (!result) return;
    const payloadJson = JSON.stringify(result.errors?.length ? { data: result.data, errors: result.errors } : { data: result.data });
    let sent = 0;
    let failed = 0;
    for (const member of group.members) {
      if (member.send(serverMessage.data(member.id, payloadJson))) sent++;
      else failed++;
    }
    this.recorder.count('PublishDataMessageSuccess', sent);
    if (failed) this.recorder.count('PublishDataMessageClientError', failed);
  }

  clear(): void {
    for (const sub of [...this.groupOf.keys()]) this.remove(sub);
  }
}

function wireError(e: GraphqlError): { errorType: string; message: string } {
  return { ...e, errorType: e.errorType ?? 'BadRequestException', message: e.message };
}
