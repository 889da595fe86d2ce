import type { LoadContext } from './context.js';
import { Resolver } from './intrinsics.js';
import { notEmulatedResources } from './emulation.js';
import { loadAuth } from './load_auth.js';
import { loadDashboards } from './load_dashboards.js';
import { loadData } from './load_data.js';
import { loadEventSourceMappings, loadFunctions } from './load_functions.js';
import { loadIam } from './load_iam.js';
import { loadKeys } from './load_keys.js';
import { loadMessaging } from './load_messaging.js';
import { loadSchedules } from './load_schedules.js';
import { loadQueues } from './load_queues.js';
import { loadStorage } from './load_storage.js';
import type { BackendModel } from './model.js';
import type { IamModel } from './model_iam.js';
import { localPhysics } from './physical.js';
import { readCloudAssembly } from './templates.js';

export { AssemblyError } from './errors.js';
export { LOCAL_ENDPOINT } from './local_endpoint.js';

/** The local cloud's fake account id. */
export const LOCAL_ACCOUNT_ID = '123456789012';

interface LoadOptions {
  /** The local region (the assembly's region is a token). Default `us-east-1`. */
  region?: string;
}

/**
 * Reads a synthesized cloud assembly (manifest, root and nested templates, assets) into the typed
 * BackendModel every local service is configured from. Physical ids are local and deterministic;
 * values the local cloud needs but cannot resolve raise an AssemblyError naming the stack, logical
 * id and intrinsic. Pure and synchronous: no network, no writes.
 */
export function loadBackendModel(assemblyDir: string, opts: LoadOptions = {}): BackendModel {
  const region = opts.region ?? 'us-east-1';
  const asm = readCloudAssembly(assemblyDir);
  const r = new Resolver(asm, { region, accountId: LOCAL_ACCOUNT_ID }, localPhysics);
  const outputs = asm.root.template.Outputs ?? {};
  const ctx: LoadContext = {
    asm,
    r,
    warnings: [],
    functionsByName: new Map(),
    rootOutput: (name) => {
      const out = outputs[name];
      if (!out || (out.Condition && !r.condition(asm.root, out.Condition, { stack: asm.root, logicalId: `Outputs.${name}` }))) return undefined;
      return r.string(out.Value, { stack: asm.root, logicalId: `Outputs.${name}`, path: 'Value' });
    },
  };

  const { functions, internal } = loadFunctions(ctx);
  const auth = loadAuth(ctx);
  const iam = loadIam(ctx);
  const data = loadData(ctx);
  if (data) data.iamAdminRoleArns = graphqlRoleArns(iam, String(r.getAtt(...apiNode(r, data.apiLogicalId), 'Arn')));
  if (!data && r.resources((t) => t === 'AWS::DynamoDB::Table' || t === 'Custom::AmplifyDynamoDBTable').length > 0) {
    ctx.warnings.push('DynamoDB tables without an AppSync API are not served locally (the model keeps tables under data)');
  }
  const storage = loadStorage(ctx);
  const messaging = loadMessaging(ctx);
  const keys = loadKeys(ctx);
  const queues = loadQueues(ctx);
  const eventSourceMappings = loadEventSourceMappings(ctx, data?.tables ?? [], messaging.kinesisStreams);
  const schedules = loadSchedules(ctx);
  const dashboards = loadDashboards(ctx);

  const stackOutputs: Record<string, string> = {};
  for (const name of Object.keys(outputs)) {
    const value = ctx.rootOutput(name);
    if (value !== undefined) stackOutputs[name] = value;
  }
  let customOutputs: Record<string, unknown> = {};
  if (stackOutputs.customOutputs) {
    try {
      customOutputs = JSON.parse(stackOutputs.customOutputs) as Record<string, unknown>;
    } catch {
      r.fail({ stack: asm.root, logicalId: 'Outputs.customOutputs' }, outputs.customOutputs.Value, 'the resolved value is not JSON');
    }
  }

  const notEmulated = notEmulatedResources({ r, data, storage, functions, internalFunctions: internal, schedules });

  return {
    stackName: asm.root.name,
    region,
    accountId: LOCAL_ACCOUNT_ID,
    assemblyDir: asm.dir,
    auth,
    data,
    storage,
    functions,
    eventSourceMappings,
    schedules,
    dashboards,
    iam,
    messaging,
    keys,
    queues,
    stackOutputs,
    customOutputs,
    internalFunctions: internal,
    notEmulated,
    warnings: ctx.warnings,
  };
}

function apiNode(r: Resolver, logicalId: string): [Parameters<Resolver['getAtt']>[0], string] {
  const node = r.resources('AWS::AppSync::GraphQLApi').find((n) => n.logicalId === logicalId)!;
  return [node.stack, node.logicalId];
}

/**
 * Roles allowed to call the API with IAM (appsync:GraphQL on it) that are not identity-pool roles:
 * functions granted `allow.resource(...)` — the generated resolvers treat such callers as admins.
 */
function graphqlRoleArns(iam: IamModel, apiArn: string): string[] {
  return iam.roles
    .filter((role) =>
      !role.trustStatements?.some((t) => t.principals?.Federated?.includes('cognito-identity.amazonaws.com')) &&
      role.statements.some(
        (s) =>
          s.effect === 'Allow' &&
          s.actions.some((a) => a === 'appsync:GraphQL' || a === 'appsync:*' || a === '*') &&
          s.resources.some((res) => res === '*' || res === apiArn || res.startsWith(`${apiArn}/`)),
      ),
    )
    .map((role) => role.arn);
}
