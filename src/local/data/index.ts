import type { BackendModel } from '../assembly/model.js';
import type { LocalService, ServiceContext, UpgradeRequest } from '../core/service.js';
import { verifySigV4 } from '../core/sigv4_verify.js';
import { localIssuerPool } from './oidc_auth.js';
import type { VerifySigV4 } from '../core/sigv4_verify.js';
import { handleDynamoDb } from './dynamodb_proxy.js';
import { createGraphqlEngine, type CreateGraphqlEngineOptions, type LocalGraphqlEngine } from './engine/index.js';
import { handleGraphqlHttp } from './http.js';
import { LocalDynamo } from './dynamo/local_dynamo.js';
import { dataSnapshot } from './snapshot.js';
import { ItemHistory } from './item_history.js';
import { DataRecorder, type DataMetrics, type RequestRecord } from './metrics.js';
import { SubscriptionHub } from './realtime/hub.js';
import { RealtimeServer, REALTIME_PATH, type KeepAliveOptions } from './realtime/server.js';

/**
 * The AppSync-compatible data service: `POST /graphql`, `wss://…/graphql/realtime` and the DynamoDB
 * JSON endpoint for functions, over the GraphQL engine (src/local/data/engine). It offers the
 * engine's change feed as the `data.changes` capability.
 */

export interface DataServiceOptions {
  /** Replaces the engine (wire tests use a fake). */
  engineFactory?: (opts: CreateGraphqlEngineOptions) => Promise<LocalGraphqlEngine>;
  verifySigV4?: VerifySigV4;
  keepAlive?: KeepAliveOptions;
  maxRequestBytes?: number;
  /** Size of the request ring (default 1000). */
  requestLogSize?: number;
}

export interface DataService extends LocalService {
  /** Recent requests, newest first (for the console). */
  requests(limit?: number): RequestRecord[];
  /** Counters under AppSync's CloudWatch metric names (for the dashboard). */
  metrics(): DataMetrics;
  /** The running engine (undefined before `start`). */
  engine(): LocalGraphqlEngine | undefined;
  /** Resolves when every subscription has been served the events published so far (tests, bench). */
  drained(): Promise<void>;
}

const DYNAMODB_TARGET = 'DynamoDB_20120810.';

export function createDataService(ctx: ServiceContext, opts: DataServiceOptions = {}): DataService {
  // Replaced by `reload` (hot reload); every handler reads them through the deps objects below.
  let model = ctx.model;
  let data = model.data;
  const history = new ItemHistory();
  const recorder = new DataRecorder(opts.requestLogSize ?? 1000, ctx.metrics && data ? { metrics: ctx.metrics, apiId: data.apiId } : undefined);
  const log = ctx.log;
  const hub = new SubscriptionHub(recorder, log);
  let engine: LocalGraphqlEngine | undefined;
  let unsubscribeMutations: (() => void) | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  /** Why the engine could not start, when it could not. */
  let engineProblem: string | undefined;

  const common = {
    model,
    registry: ctx.registry,
    clock: ctx.clock,
    verifySigV4: opts.verifySigV4 ?? (verifySigV4 as VerifySigV4),
    recorder,
    ids: ctx.ids,
    log,
  };
  const httpDeps = { ...common, engine: () => engine, engineProblem: () => engineProblem, maxRequestBytes: opts.maxRequestBytes };
  const dynamoDeps = { ...common, dynamodb: () => engine?.dynamodb };
  const realtimeDeps = { ...common, engine: () => engine, hub, keepAlive: opts.keepAlive };
  const realtime = new RealtimeServer(realtimeDeps);

  function subscribeMutations(e: LocalGraphqlEngine): void {
    unsubscribeMutations?.();
    unsubscribeMutations = e.onMutation((event) => {
      const delivery = hub.publish(event);
      inFlight = Promise.all([inFlight, delivery]).then(() => undefined);
    });
  }

  /**
   * Hot reload: a new engine for the new schema and resolvers over the same store (items, tables,
   * change feed kept); HTTP requests switch at once and live subscriptions are prepared again on
   * the new schema (those whose field is gone are ended with AppSync's error message).
   */
  async function reload(next: BackendModel): Promise<string[]> {
    const nextData = next.data;
    const notes: string[] = [];
    if (!nextData) {
      if (engine) notes.push('data: the backend has no GraphQL API any more; its tables are kept on disk');
      await realtime.closeAll();
      hub.clear();
      unsubscribeMutations?.();
      unsubscribeMutations = undefined;
      await engine?.close();
      engine = undefined;
    } else {
      const factory = opts.engineFactory ?? createGraphqlEngine;
      const engineOpts = engineOptions(next, nextData);
      let fresh: LocalGraphqlEngine;
      if (engine?.successor) {
        fresh = await engine.successor(engineOpts);
      } else {
        // No engine yet (the API was added, or could not start before): open the store anew.
        await engine?.close();
        engine = undefined;
        fresh = await factory(engineOpts);
      }
      const old = engine;
      engine = fresh;
      engineProblem = undefined;
      subscribeMutations(fresh);
      // The item history follows the tables of the model being served.
      history.stop();
      history.follow(fresh.changes, nextData.tables.map((t) => t.tableName));
      notes.push(...(fresh.startNotes ?? []));
      const ended = await hub.replan((req) => fresh.prepareSubscription(req));
      if (ended) notes.push(`data: ${ended} subscription(s) ended: their fields are no longer in the schema`);
      await old?.close();
    }
    model = next;
    data = nextData;
    for (const deps of [common, httpDeps, dynamoDeps, realtimeDeps]) deps.model = next;
    return notes;
  }

  return {
    name: 'data',
    snapshot: dataSnapshot(
      data?.tables ?? [],
      () => (engine?.dynamodb instanceof LocalDynamo ? engine.dynamodb : undefined),
      () => engineProblem,
    ),

    matches(req, url) {
      if (!data) return false;
      if (req.headers.get('x-amz-target')?.startsWith(DYNAMODB_TARGET)) return true;
      return req.method === 'POST' && url.pathname.replace(/\/+$/, '') === '/graphql';
    },

    fetch(req) {
      if (req.headers.get('x-amz-target')?.startsWith(DYNAMODB_TARGET)) return handleDynamoDb(req, dynamoDeps);
      return handleGraphqlHttp(req, httpDeps);
    },

    upgrade(up: UpgradeRequest) {
      if (!data) return false;
      return realtime.handleUpgrade(up);
    },

    async start() {
      if (!data) return;
      const factory = opts.engineFactory ?? createGraphqlEngine;
      try {
        engine = await factory(engineOptions(model, data));
      } catch (err) {
        // The rest of the local cloud stays useful (sign-in, storage...); GraphQL answers 503 with why.
        engineProblem = err instanceof Error ? err.message : String(err);
        log.error(`the GraphQL API cannot be served locally: ${engineProblem}`);
        return;
      }
      subscribeMutations(engine);
      for (const note of engine.startNotes ?? []) log.warn(note);
      history.follow(engine.changes, data.tables.map((t) => t.tableName));
      return { 'data.changes': engine.changes };
    },

    reload,

    async reset() {
      recorder.reset();
      history.clear();
      await engine?.reset();
    },

    async stop() {
      await realtime.closeAll();
      hub.clear();
      unsubscribeMutations?.();
      history.stop();
      unsubscribeMutations = undefined;
      await engine?.close();
      engine = undefined;
    },

    describe() {
      if (!data) return [];
      const modes = [data.defaultAuthMode, ...data.additionalAuthModes].join(', ');
      return [
        `GraphQL   ${ctx.endpoint}/graphql  (${modes})`,
        `Realtime  ${ctx.endpoint.replace(/^https:/, 'wss:')}${REALTIME_PATH}`,
        ...oidcNote(),
        ...(engineProblem ? [`GraphQL API NOT served: ${engineProblem}`] : (engine?.describe() ?? [])),
      ];
    },

    requests: (limit) => recorder.recent(limit),
    metrics: () => recorder.metrics(),
    views: {
      /** `GET /_local/data/requests?limit=N`: the most recent GraphQL requests. */
      requests: (q) => ({ requests: recorder.recent(q.has('limit') ? Number(q.get('limit')) || undefined : undefined) }),
      /** `GET /_local/data/metrics`: counters under AppSync's metric names. */
      metrics: () => recorder.metrics(),
      /** `GET /_local/data/introspection`: the model introspection JSON (models, fields, keys) the console's Data page is driven by. */
      introspection: () => data?.modelIntrospection ?? undefined,
      /**
       * `GET /_local/data/changes?table=<table name or model>&key=<JSON of the key attributes>`: the
       * table's recent changes (DynamoDB Streams records), newest first; one item's with `key`.
       */
      changes: (q) => {
        const wanted = q.get('table') ?? '';
        const table = data?.tables.find((t) => t.tableName === wanted || t.modelName === wanted);
        if (!table) return undefined;
        let keys: Record<string, unknown> | undefined;
        try {
          keys = q.has('key') ? (JSON.parse(q.get('key')!) as Record<string, unknown>) : undefined;
        } catch {
          return undefined;
        }
        return { table: table.tableName, changes: history.list(table.tableName, keys) };
      },
    },
    engine: () => engine,
    drained: () => inFlight,
  };

  /** Which local pool serves the OPENID_CONNECT issuer (or that none does: its tokens are refused). */
  function oidcNote(): string[] {
    const issuer = data?.openIdConnect?.issuer;
    if (!issuer) return [];
    const pool = localIssuerPool(issuer, { model, registry: ctx.registry });
    return [pool ? `OIDC issuer ${issuer} = local user pool ${pool.userPoolId}` : `OIDC issuer ${issuer} is not a local user pool: its tokens are refused ((local))`];
  }

  function engineOptions(m: BackendModel, d: NonNullable<BackendModel['data']>): CreateGraphqlEngineOptions {
    // AppSync's QueryDepthLimit / ResolverCountLimit: off unless the API sets them.
    return {
      model: d,
      queryDepthLimit: d.queryDepthLimit,
      resolverCountLimit: d.resolverCountLimit,
      region: m.region,
      accountId: m.accountId,
      dataDir: ctx.dataDir,
      clock: ctx.clock,
      log: log.child('engine'),
      invokeFunction: (functionLogicalId, event) => {
        const invoker = ctx.registry.tryGet('functions.invoker');
        if (!invoker) throw new Error(`function ${functionLogicalId} cannot run: the functions service is not running`);
        return invoker.invoke(functionLogicalId, event);
      },
    };
  }
}
