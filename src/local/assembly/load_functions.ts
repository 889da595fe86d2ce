import { statSync } from 'node:fs';
import { bool, functionNameOf, num, whereOf, type LoadContext } from './context.js';
import type { ResourceNode } from './intrinsics.js';
import type { EventSourceMappingModel, FunctionModel } from './model_functions.js';
import type { TableModel } from './model_tables.js';
import { friendlyName } from './physical.js';

/**
 * Lambda functions. The user's are the ones the root output `definedFunctions` lists (every
 * `defineFunction`), plus functions of custom stacks that are not CDK/Amplify machinery; the rest
 * (custom-resource providers, the table manager, log retention, bucket deployment) are internal.
 */
export function loadFunctions(ctx: LoadContext): { functions: FunctionModel[]; internal: FunctionModel[] } {
  const { r } = ctx;
  const defined = definedFunctionNames(ctx);
  const nodes = r.resources('AWS::Lambda::Function');
  const serviceTokens = customResourceServiceTokens(ctx);
  const ssm = ssmParameters(ctx);
  const functions: FunctionModel[] = [];
  const internal: FunctionModel[] = [];

  for (const n of nodes) {
    const name = String(r.ref(n.stack, n.logicalId));
    const arn = String(r.getAtt(n.stack, n.logicalId, 'Arn'));
    const friendly = friendlyName(r, n);
    // `defineFunction`s are listed in definedFunctions. Other functions carrying Amplify's tag are its
    // machinery (the table manager); custom-stack functions count as the user's unless they back a
    // custom resource.
    // Without the output (older backends) Amplify's tag marks defineFunction functions, except its own.
    const isUser = defined ? defined.has(name) : friendly !== undefined && !serviceTokens.has(arn) && !isAmplifyMachinery(n);
    const isInternal = !isUser && (friendly !== undefined || serviceTokens.has(arn) || isCdkSingleton(n));
    if (isInternal) {
      try {
        internal.push({ ...buildFunction(ctx, n, name, arn, friendly, ssm, false), internal: true });
      } catch (err) {
        // Internal functions never run locally: a value we cannot resolve there is not worth failing for.
        ctx.warnings.push(`internal function ${n.logicalId} (${n.stack.name}) skipped: ${(err as Error).message}`);
      }
      continue;
    }
    functions.push(buildFunction(ctx, n, name, arn, friendly, ssm, true));
  }
  for (const fn of [...functions, ...internal]) ctx.functionsByName.set(fn.functionName, fn);
  return { functions, internal };
}

function buildFunction(
  ctx: LoadContext,
  n: ResourceNode,
  functionName: string,
  arn: string,
  friendly: string | undefined,
  ssm: Map<string, string>,
  strict: boolean,
): FunctionModel {
  const { r } = ctx;
  const code = n.def.Properties?.Code as Record<string, unknown> | undefined;
  const key = code?.S3Key !== undefined ? r.string(code.S3Key, whereOf(n, 'Code.S3Key')) : undefined;
  const codeDir = key ? ctx.asm.assets.get(key) : undefined;
  if (!codeDir || !statSync(codeDir, { throwIfNoEntry: false })?.isDirectory()) {
    const what = key ? `asset ${key} is not an unpacked folder in the assembly` : 'its code is not an S3 asset (inline or container code)';
    const message = `Function ${n.logicalId} in stack ${n.stack.name} (${n.stack.file}): ${what}.`;
    if (strict) r.fail(whereOf(n, 'Code'), code ?? null, `${what}; synthesize with bundling on (the default)`);
    throw new Error(message);
  }

  const variables = (r.prop(n, 'Environment') as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(variables)) environment[k] = r.string(v, whereOf(n, `Environment.Variables.${k}`));

  const model: FunctionModel = {
    logicalId: n.logicalId,
    functionName,
    friendlyName: friendly,
    handler: r.propString(n, 'Handler') ?? 'index.handler',
    runtime: r.propString(n, 'Runtime') ?? 'nodejs22.x',
    timeoutSeconds: num(r.prop(n, 'Timeout')) ?? 3,
    memoryMB: num(r.prop(n, 'MemorySize')) ?? 128,
    environment,
    codeDir,
    roleArn: r.propString(n, 'Role'),
    arn,
    architectures: r.prop(n, 'Architectures') as string[] | undefined,
  };
  resolveSsmEnvironment(model, ssm);
  return model;
}

/**
 * Gen 2 functions read some variables from SSM at cold start (AMPLIFY_SSM_ENV_CONFIG maps variable →
 * parameter path). Paths the assembly itself creates (AWS::SSM::Parameter) are resolved here to
 * local values; the others are secrets (`ampx sandbox secret`) and are listed in `secrets`.
 */
function resolveSsmEnvironment(fn: FunctionModel, ssm: Map<string, string>): void {
  const raw = fn.environment.AMPLIFY_SSM_ENV_CONFIG;
  if (raw === undefined) return;
  let config: Record<string, { path?: string; sharedPath?: string }>;
  try {
    config = JSON.parse(raw) as typeof config;
  } catch {
    throw new Error(`Function ${fn.logicalId}: AMPLIFY_SSM_ENV_CONFIG is not JSON.`);
  }
  const unresolved: typeof config = {};
  fn.ssmEnvironment = {};
  for (const [name, entry] of Object.entries(config)) {
    const path = entry.path ?? entry.sharedPath ?? '';
    const value = ssm.get(path) ?? (entry.sharedPath ? ssm.get(entry.sharedPath) : undefined);
    if (value !== undefined) {
      fn.environment[name] = value;
      fn.ssmEnvironment[name] = { path, value };
    } else {
      unresolved[name] = entry;
      (fn.secrets ??= []).push({ name: path.slice(path.lastIndexOf('/') + 1), variable: name, path, sharedPath: entry.sharedPath });
    }
  }
  fn.environment.AMPLIFY_SSM_ENV_CONFIG = JSON.stringify(unresolved);
}

/** SSM parameter name → resolved value, for every AWS::SSM::Parameter of the assembly. */
function ssmParameters(ctx: LoadContext): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of ctx.r.resources('AWS::SSM::Parameter')) {
    const name = ctx.r.propString(n, 'Name');
    const value = ctx.r.propString(n, 'Value');
    if (name !== undefined && value !== undefined) out.set(name, value);
  }
  return out;
}

/** Names from the root output `definedFunctions` (a JSON list), or undefined if the backend has none. */
function definedFunctionNames(ctx: LoadContext): Set<string> | undefined {
  const raw = ctx.rootOutput('definedFunctions');
  if (raw === undefined) return undefined;
  try {
    return new Set(JSON.parse(raw) as string[]);
  } catch {
    throw new Error(`The root output definedFunctions is not a JSON list: ${raw}`);
  }
}

/**
 * ARNs of functions that back custom resources: ServiceTokens, and the user handlers a CDK provider
 * framework calls (its USER_ON_EVENT_FUNCTION_ARN / USER_IS_COMPLETE_FUNCTION_ARN), where resolvable.
 */
function customResourceServiceTokens(ctx: LoadContext): Set<string> {
  const out = new Set<string>();
  for (const n of ctx.r.resources('AWS::Lambda::Function')) {
    const vars = (n.def.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    for (const [key, value] of Object.entries(vars)) {
      if (!/^USER_[A-Z_]+_FUNCTION_ARN$/.test(key)) continue;
      try {
        out.add(ctx.r.string(value, whereOf(n, `Environment.Variables.${key}`)));
      } catch {
        // Unresolvable: cannot classify through it.
      }
    }
  }
  const custom = ctx.r.resources((t) => t.startsWith('Custom::') || t === 'AWS::CloudFormation::CustomResource');
  for (const n of custom) {
    try {
      const token = ctx.r.propString(n, 'ServiceToken');
      if (token) out.add(token);
    } catch {
      // A token we cannot resolve only means we cannot classify through it.
    }
  }
  return out;
}

/** The data transformer's table manager (custom-resource provider and its waiter). */
function isAmplifyMachinery(n: ResourceNode): boolean {
  return /^(TableManagerCustomProvider|AmplifyManagedTable)/.test(n.logicalId);
}

/** CDK's singleton helpers that carry no Amplify tag. */
function isCdkSingleton(n: ResourceNode): boolean {
  return /^(LogRetention[0-9a-f]{32}|CustomCDKBucketDeployment|Custom[A-Za-z0-9]*CustomResourceProvider|AWS679f53fac002430cb0da5b7982bd2287|BucketNotificationsHandler)/.test(
    n.logicalId,
  );
}

/** AWS::Lambda::EventSourceMapping → the function, and the table/stream/queue behind the source ARN. */
export function loadEventSourceMappings(
  ctx: LoadContext,
  tables: TableModel[],
  streams: { name: string; arn: string }[],
): EventSourceMappingModel[] {
  const { r } = ctx;
  const out: EventSourceMappingModel[] = [];
  for (const n of r.resources('AWS::Lambda::EventSourceMapping')) {
    const target = r.propString(n, 'FunctionName') ?? '';
    const fn = ctx.functionsByName.get(functionNameOf(target));
    if (!fn) ctx.r.fail(whereOf(n, 'FunctionName'), n.def.Properties?.FunctionName ?? null, `no function of the assembly is ${target}`);
    const eventSourceArn = r.propString(n, 'EventSourceArn') ?? '';
    const table = tables.find((t) => t.streamArn === eventSourceArn || t.arn === eventSourceArn);
    const stream = streams.find((s) => s.arn === eventSourceArn);
    const queueName = /^arn:[^:]+:sqs:[^:]*:[^:]*:(.+)$/.exec(eventSourceArn)?.[1];
    const filters = (r.prop(n, 'FilterCriteria') as { Filters?: { Pattern?: string }[] } | undefined)?.Filters ?? [];
    const responseTypes = (r.prop(n, 'FunctionResponseTypes') as string[] | undefined) ?? [];
    const destination = (r.prop(n, 'DestinationConfig') as { OnFailure?: { Destination?: string } } | undefined)?.OnFailure?.Destination;
    const startingPosition = r.propString(n, 'StartingPosition');
    out.push({
      logicalId: n.logicalId,
      functionLogicalId: fn.logicalId,
      tableName: table?.tableName,
      eventSourceArn,
      // Lambda's defaults: 100 records for streams, 10 messages for SQS.
      batchSize: num(r.prop(n, 'BatchSize')) ?? (queueName ? 10 : 100),
      maxBatchingWindowSeconds: num(r.prop(n, 'MaximumBatchingWindowInSeconds')) ?? 0,
      startingPosition: startingPosition === 'LATEST' || startingPosition === 'TRIM_HORIZON' ? startingPosition : undefined,
      filterPatterns: filters.map((f) => f.Pattern).filter((p): p is string => typeof p === 'string'),
      maximumRetryAttempts: num(r.prop(n, 'MaximumRetryAttempts')) ?? -1,
      bisectBatchOnFunctionError: bool(r.prop(n, 'BisectBatchOnFunctionError'), false),
      reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
      enabled: bool(r.prop(n, 'Enabled'), true),
      maximumRecordAgeSeconds: num(r.prop(n, 'MaximumRecordAgeInSeconds')) ?? -1,
      parallelizationFactor: num(r.prop(n, 'ParallelizationFactor')),
      tumblingWindowSeconds: num(r.prop(n, 'TumblingWindowInSeconds')),
      onFailureDestinationArn: destination,
      streamName: stream?.name,
      queueName,
      maximumConcurrency: num((r.prop(n, 'ScalingConfig') as { MaximumConcurrency?: unknown } | undefined)?.MaximumConcurrency),
    });
  }
  return out;
}
