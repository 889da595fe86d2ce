/**
 * TransactWriteItems and TransactGetItems for the local DynamoDB (dynalite has neither): every item
 * of a write transaction is locked, every condition is checked against the current items, and only
 * when all hold are the writes applied (each publishing its old and new image to the change feed).
 */
import type { LocalChangeFeed } from './change_feed.js';
import { DynamoDbError, conditionFails, runDynalite, runValidated, validated, type Store } from './dynalite.js';
import type { ItemLocks } from './item_locks.js';

type Item = Record<string, unknown>;
type Input = Record<string, unknown>;

/** What a transaction needs of the local DynamoDB. */
export interface TransactionContext {
  store: Store;
  changes: LocalChangeFeed;
  locks: ItemLocks;
  /** The item with `key` as it is now (consistent read). */
  currentItem(table: string, key: Item): Promise<Item | undefined>;
  /** The key attributes of `item`. */
  keyOf(table: string, item: Item): Item;
}

type StepKind = 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
type Step = { kind: StepKind; table: string; key: Item; op: string; data: Record<string, unknown>; returnOld: boolean };

/** DynamoDB's bounds on `TransactItems` (1 to 100 entries). */
function checkTransactItems(items: unknown): asserts items is unknown[] {
  if (!Array.isArray(items) || items.length === 0 || items.length > 100) {
    throw new DynamoDbError('ValidationException', `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length ${Array.isArray(items) && items.length > 100 ? 'less than or equal to 100' : 'greater than or equal to 1'}`);
  }
}

export async function transactGet(store: Store, input: Input): Promise<Input> {
  const items = input.TransactItems;
  checkTransactItems(items);
  const responses: Input[] = [];
  for (const entry of items as { Get?: Input }[]) {
    if (!entry?.Get) throw new DynamoDbError('ValidationException', 'TransactItems can only contain Get operations');
    const out = (await runDynalite(store, 'GetItem', { ...entry.Get, ConsistentRead: true })) as { Item?: Item };
    responses.push(out.Item ? { Item: out.Item } : {});
  }
  return { Responses: responses };
}

export async function transactWrite(ctx: TransactionContext, input: Input): Promise<Input> {
  const items = input.TransactItems;
  checkTransactItems(items);
  const steps = planSteps(ctx, items as Record<string, Input>[]);
  return ctx.locks.withLocks(
    steps.map((s) => ctx.locks.keyOf(s.table, s.key)),
    async () => {
      const olds: (Item | undefined)[] = [];
      const reasons: Input[] = [];
      let failed = false;
      for (const s of steps) {
        const old = await ctx.currentItem(s.table, s.key);
        olds.push(old);
        if (s.data.ConditionExpression !== undefined && conditionFails(s.data, old)) {
          failed = true;
          reasons.push({ Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', ...(s.returnOld && old ? { Item: old } : {}) });
        } else reasons.push({ Code: 'None' });
      }
      if (failed) throw cancelled(reasons);
      // A write can still fail while applied (an update expression adding to a string): then the
      // writes already made are undone and nothing reaches the change feed. The locks keep every
      // other writer away from these items meanwhile.
      const applied: { step: Step; old: Item | undefined; now: Item | undefined }[] = [];
      for (let i = 0; i < steps.length; i++) {
        const s = steps[i];
        if (s.kind === 'ConditionCheck') continue;
        if (s.kind === 'Update') s.data.ReturnValues = 'ALL_NEW';
        let out: Input;
        try {
          out = (await runValidated(ctx.store, s.op, s.data)) as Input;
        } catch (err) {
          if (!(err instanceof DynamoDbError) || err.type !== 'ValidationException') throw err;
          await undo(ctx, applied);
          throw cancelled(steps.map((_, j) => (j === i ? { Code: 'ValidationError', Message: err.message } : { Code: 'None' })));
        }
        const now = s.kind === 'Put' ? (s.data.Item as Item) : s.kind === 'Update' ? (out.Attributes as Item) : undefined;
        applied.push({ step: s, old: olds[i], now });
      }
      for (const a of applied) ctx.changes.publish(a.step.table, a.old, a.now);
      return {};
    },
  );
}

/** DynamoDB's answer to a cancelled transaction: one reason per entry, in order. */
function cancelled(reasons: Input[]): DynamoDbError {
  return new DynamoDbError(
    'TransactionCanceledException',
    `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
    400,
    undefined,
    { CancellationReasons: reasons },
  );
}

/** Puts back what the applied steps replaced, latest first. */
async function undo(ctx: TransactionContext, applied: { step: Step; old: Item | undefined }[]): Promise<void> {
  for (const { step, old } of [...applied].reverse()) {
    if (old) await runDynalite(ctx.store, 'PutItem', { TableName: step.table, Item: old });
    else await runDynalite(ctx.store, 'DeleteItem', { TableName: step.table, Key: step.key });
  }
}

/** Validates every entry (one operation each, at most one per item) before anything is locked. */
function planSteps(ctx: TransactionContext, items: Record<string, Input>[]): Step[] {
  const steps: Step[] = [];
  const seen = new Set<string>();
  for (const entry of items) {
    const kinds = Object.keys(entry ?? {}).filter((k) => ['Put', 'Update', 'Delete', 'ConditionCheck'].includes(k));
    if (kinds.length !== 1) throw new DynamoDbError('ValidationException', 'TransactItems can only contain one of Check, Put, Update or Delete');
    const kind = kinds[0] as StepKind;
    const spec = { ...entry[kind] };
    const returnOld = spec.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
    delete spec.ReturnValuesOnConditionCheckFailure;
    const op = kind === 'Put' ? 'PutItem' : kind === 'Update' ? 'UpdateItem' : 'DeleteItem';
    if (kind === 'ConditionCheck' && !spec.ConditionExpression) throw new DynamoDbError('ValidationException', 'The ConditionExpression parameter is required for ConditionCheck');
    const data = validated(ctx.store, op, spec);
    const table = String(spec.TableName);
    const key = (kind === 'Put' ? ctx.keyOf(table, data.Item as Item) : data.Key) as Item;
    const lockKey = ctx.locks.keyOf(table, key) ?? `${table}\u0000${JSON.stringify(key)}`;
    if (seen.has(lockKey)) throw new DynamoDbError('ValidationException', 'Transaction request cannot include multiple operations on one item');
    seen.add(lockKey);
    steps.push({ kind, table, key, op, data, returnOld });
  }
  return steps;
}
