/**
 * Builds the GraphQL engine from the model: the schema, every resolver compiled (start fails with
 * the list of what cannot run), the local DynamoDB with the model's tables, then the executor.
 */
import path from 'node:path';
import { GraphQLError, isInterfaceType, isObjectType } from 'graphql';
import { cryptoIds } from '../../core/clock.js';
import { LocalDynamo } from '../dynamo/local_dynamo.js';
import { ensureTables } from '../dynamo/tables.js';
import { AuthDirectives } from './auth_directives.js';
import { Executor } from './executor.js';
import { compileResolvers } from './resolver_compile.js';
import { ResolverRuntime } from './resolvers.js';
import { buildAppSyncSchema } from './schema.js';
import { EngineStartError, type CreateGraphqlEngineOptions, type LocalGraphqlEngine } from './types.js';
import { Extensions, Util } from './util/util.js';
import { jsModules } from './js/runtime.js';

export async function createGraphqlEngine(opts: CreateGraphqlEngineOptions): Promise<LocalGraphqlEngine> {
  const compiled = compile(opts);
  const dir = path.join(opts.dataDir, 'dynamodb');
  const dynamo = await LocalDynamo.open({ dir, region: opts.region, accountId: opts.accountId, clock: opts.clock, log: opts.log.child('dynamodb') });
  let notes: string[];
  try {
    notes = await ensureTables(dynamo, opts.model.tables, opts.log, backupDir(opts));
  } catch (e) {
    await dynamo.close();
    throw e;
  }
  return assemble(opts, compiled, dynamo, { owner: undefined }, notes);
}

/** Where items a rebuilt table could not keep are saved. */
function backupDir(opts: CreateGraphqlEngineOptions): string {
  return path.join(opts.dataDir, 'dropped-items');
}

/** The schema and every resolver compiled; throws EngineStartError listing what cannot run. */
function compile(opts: CreateGraphqlEngineOptions) {
  const { model, log } = opts;
  let schema;
  try {
    schema = buildAppSyncSchema(model.schema).schema;
  } catch (e) {
    throw new EngineStartError([`schema: ${e instanceof GraphQLError ? e.message : String(e)}`]);
  }
  const knownField = (typeName: string, fieldName: string) => {
    const t = schema.getType(typeName);
    return !!t && (isObjectType(t) || isInterfaceType(t)) && Object.prototype.hasOwnProperty.call(t.getFields(), fieldName);
  };
  const util = new Util(opts.clock, opts.ids ?? cryptoIds, log.child('resolver'));
  const extensions = new Extensions(util);
  const { resolvers, problems } = compileResolvers(model, knownField, jsModules(util, extensions));
  if (problems.length) throw new EngineStartError(problems);
  return { schema, util, extensions, resolvers };
}

/**
 * One engine over `dynamo`. The store outlives an engine when a hot reload hands it to a successor
 * (same tables, items, change feed and its subscribers): only the engine that owns it last closes it.
 */
function assemble(
  opts: CreateGraphqlEngineOptions,
  compiled: ReturnType<typeof compile>,
  dynamo: LocalDynamo,
  shared: { owner: LocalGraphqlEngine | undefined },
  notes: string[],
): LocalGraphqlEngine {
  const { model, log } = opts;
  const { schema, util, extensions, resolvers } = compiled;
  const runtime = new ResolverRuntime(util, extensions, dynamo, () => opts.invokeFunction);
  const auth = new AuthDirectives(schema, model.defaultAuthMode);
  const executor = new Executor(schema, auth, resolvers, runtime, {
    queryDepthLimit: opts.queryDepthLimit,
    resolverCountLimit: opts.resolverCountLimit,
    log,
  });
  const fnCount = new Set(model.resolvers.flatMap((r) => r.pipeline)).size;
  const dir = path.join(opts.dataDir, 'dynamodb');

  const engine: LocalGraphqlEngine = {
    execute: (req) => executor.execute(req),
    prepareSubscription: (req) => executor.prepareSubscription(req),
    onMutation: (listener) => executor.onMutation(listener),
    describe: () => [
      `GraphQL engine: ${resolvers.length} resolvers, ${fnCount} pipeline functions, ${model.tables.length} tables in ${dir}`,
    ],
    reset: () => dynamo.reset(),
    close: () => (shared.owner === engine ? dynamo.close() : Promise.resolve()),
    changes: dynamo.changes,
    dynamodb: dynamo,
    startNotes: notes,
    async successor(next) {
      const nextCompiled = compile(next);
      const nextNotes = await ensureTables(dynamo, next.model.tables, next.log, backupDir(next));
      const successor = assemble(next, nextCompiled, dynamo, shared, nextNotes);
      shared.owner = successor;
      return successor;
    },
  };
  shared.owner ??= engine;
  return engine;
}
