import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/local/core/clock.js';
import type { ChangeRecord } from '../../../../src/local/core/registry.js';
import type { ServiceContext } from '../../../../src/local/core/service.js';
import { createDataService } from '../../../../src/local/data/index.js';
import { serviceContext } from '../../../helpers/service_context.js';
import { FakeEngine, NOW, testModel } from './fixtures.js';

function context(model = testModel()): ServiceContext {
  return serviceContext({
    name: 'data',
    model,
    dataDir: '/nonexistent',
    clock: new ManualClock(NOW),
    ids: { uuid: () => 'id', bytes: (n) => Buffer.alloc(n), digits: (n) => '0'.repeat(n) },
    noMessages: 'unused',
  }).ctx;
}

const record = (table: string): ChangeRecord => ({
  eventID: '1',
  eventName: 'INSERT',
  eventSource: 'aws:dynamodb',
  awsRegion: 'us-east-1',
  eventSourceARN: `arn:aws:dynamodb:us-east-1:123456789012:table/${table}/stream/x`,
  tableName: table,
  dynamodb: { ApproximateCreationDateTime: 0, Keys: {}, SequenceNumber: '1', SizeBytes: 1, StreamViewType: 'NEW_IMAGE' },
});

describe('data service lifecycle', () => {
  it("offers the engine's change feed once started", async () => {
    const ctx = context();
    const engine = new FakeEngine();
    const listeners = new Map<string, (r: ChangeRecord[]) => void>();
    Object.assign(engine, {
      changes: {
        subscribe: (table: string, l: (r: ChangeRecord[]) => void) => {
          listeners.set(table, l);
          return () => listeners.delete(table);
        },
      },
    });
    const service = createDataService(ctx, { engineFactory: async () => engine });
    const offers = await service.start();
    expect(offers).toEqual({ 'data.changes': engine.changes });
    const got: ChangeRecord[] = [];
    const unsubscribe = offers!['data.changes']!.subscribe('Thing', (r) => void got.push(...r));
    listeners.get('Thing')!([record('Thing')]);
    expect(got).toHaveLength(1);
    unsubscribe();
    expect(listeners.has('Thing')).toBe(false);
    await service.stop();
  });

  it('serves nothing and offers nothing for a backend without data', async () => {
    const ctx = context({ ...testModel(), data: undefined });
    const service = createDataService(ctx, { engineFactory: async () => { throw new Error('must not start an engine'); } });
    expect(await service.start()).toBeUndefined();
    const req = new Request('https://127.0.0.1:20002/graphql', { method: 'POST', body: '{}' });
    expect(service.matches(req, new URL(req.url))).toBe(false);
    expect(service.describe?.()).toEqual([]);
    await service.stop();
  });

  it('matches POST /graphql only', async () => {
    const service = createDataService(context(), { engineFactory: async () => new FakeEngine() });
    const m = (method: string, path: string) => service.matches(new Request(`https://127.0.0.1:20002${path}`, { method }), new URL(`https://127.0.0.1:20002${path}`));
    expect(m('POST', '/graphql')).toBe(true);
    expect(m('GET', '/graphql')).toBe(false);
    expect(m('POST', '/graphqlx')).toBe(false);
    expect(m('POST', '/other')).toBe(false);
  });

  it('lists its endpoints and the engine notes at start-up', async () => {
    const ctx = context();
    const service = createDataService(ctx, { engineFactory: async () => new FakeEngine() });
    await service.start();
    expect(service.describe?.()).toEqual([
      'GraphQL   https://127.0.0.1:20002/graphql  (AMAZON_COGNITO_USER_POOLS, AWS_IAM, API_KEY)',
      'Realtime  wss://127.0.0.1:20002/graphql/realtime',
      'fake engine',
    ]);
    await service.stop();
  });
});

describe('an engine that cannot start', () => {
  it('keeps the service up and answers GraphQL with 503 saying why', async () => {
    const ctx = context();
    const service = createDataService(ctx, {
      engineFactory: async () => {
        throw new Error('the data model cannot be served locally: resolver X uses RELATIONAL_DATABASE');
      },
    });
    await service.start();
    const res = await service.fetch(
      new Request('https://127.0.0.1:20002/graphql', { method: 'POST', headers: { 'x-api-key': 'da2-frameframeframeframe01' }, body: '{"query":"{ ping }"}' }),
    );
    expect(res.status).toBe(503);
    const { errors } = (await res.json()) as { errors: { errorType: string; message: string }[] };
    expect(errors[0].errorType).toBe('ServiceUnavailableException');
    expect(errors[0].message).toContain('RELATIONAL_DATABASE');
    expect(service.describe?.().join('\n')).toContain('GraphQL API NOT served');
    await service.stop();
  });
});
