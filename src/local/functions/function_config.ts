import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { FunctionModel } from '../assembly/model.js';
import { newRequestId } from '../core/aws_errors.js';
import { decodeUriComponentSafe } from '../core/uri.js';
import { arnFor, lambdaCaller, lambdaError, parseFunctionName, type InvokeApiDeps } from './invoke_api.js';
import { substituteEndpoint } from './runtime_env.js';

/**
 * Lambda's read APIs on the same REST endpoint as Invoke: `GetFunction`
 * (`GET /2015-03-31/functions/{name}`), `GetFunctionConfiguration` (`…/{name}/configuration`) and
 * `ListFunctions` (`GET /2015-03-31/functions/`), in Lambda's JSON shapes, IAM-checked like Invoke.
 */

const FUNCTION_PATH = /^\/2015-03-31\/functions\/([^/]+)(\/configuration)?\/?$/;
const LIST_PATH = /^\/2015-03-31\/functions\/?$/;
const DEFAULT_MAX_ITEMS = 50;

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', 'x-amzn-requestid': newRequestId() } });
}

/** Lambda writes `2024-05-01T12:00:00.000+0000`. */
function lambdaDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

function lastModified(fn: FunctionModel): number {
  try {
    return statSync(fn.codeDir).mtimeMs;
  } catch {
    return 0;
  }
}

/** `FunctionConfiguration` as GetFunction and ListFunctions return it. */
export function functionConfiguration(fn: FunctionModel, endpoint: string): Record<string, unknown> {
  const variables = Object.fromEntries(Object.entries(fn.environment).map(([k, v]) => [k, substituteEndpoint(v, endpoint)]));
  const config: Record<string, unknown> = {
    FunctionName: fn.functionName,
    FunctionArn: fn.arn,
    Runtime: fn.runtime,
    ...(fn.roleArn ? { Role: fn.roleArn } : {}),
    Handler: fn.handler,
    Description: '',
    Timeout: fn.timeoutSeconds,
    MemorySize: fn.memoryMB,
    LastModified: lambdaDate(lastModified(fn)),
    Version: '$LATEST',
    Environment: { Variables: variables },
    TracingConfig: { Mode: 'PassThrough' },
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: fn.architectures?.length ? fn.architectures : ['x86_64'],
    EphemeralStorage: { Size: 512 },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${fn.functionName}` },
  };
  config.RevisionId = revisionId(config);
  return config;
}

/** A stable uuid-shaped id of the configuration: it changes when the template does. */
function revisionId(config: Record<string, unknown>): string {
  const h = createHash('sha256').update(JSON.stringify(config)).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export async function handleFunctionQuery(req: Request, url: URL, deps: InvokeApiDeps): Promise<Response> {
  const list = LIST_PATH.test(url.pathname);
  const match = list ? null : FUNCTION_PATH.exec(url.pathname);
  if (!list && !match) {
    return lambdaError(404, 'UnknownOperationException', `Unknown operation GET ${url.pathname} ((local: Lambda's Invoke, GetFunction, GetFunctionConfiguration and ListFunctions are emulated))`);
  }
  const caller = await lambdaCaller(req, deps);
  if (caller instanceof Response) return caller;

  if (list) {
    const authz = caller.authorize('lambda:ListFunctions', '*');
    if (!authz.allowed) return lambdaError(403, 'AccessDeniedException', authz.message);
    return listFunctions(url, deps);
  }

  const { name, qualifier: pathQualifier } = parseFunctionName(decodeUriComponentSafe(match![1]) ?? match![1]);
  const qualifier = url.searchParams.get('Qualifier') ?? pathQualifier;
  const fn = deps.find(name);
  if (!fn || (qualifier !== undefined && qualifier !== '$LATEST')) {
    return lambdaError(404, 'ResourceNotFoundException', `Function not found: ${arnFor(deps.model, name, qualifier)}`);
  }
  const configurationOnly = match![2] !== undefined;
  const action = configurationOnly ? 'lambda:GetFunctionConfiguration' : 'lambda:GetFunction';
  const authz = caller.authorize(action, fn.arn);
  if (!authz.allowed) return lambdaError(403, 'AccessDeniedException', authz.message);

  const configuration = functionConfiguration(fn, deps.endpoint());
  if (configurationOnly) return json(configuration);
  return json({
    Configuration: configuration,
    // Lambda hands out a presigned S3 URL of the deployment package; locally the bundle is a folder.
    Code: { RepositoryType: 'S3', Location: pathToFileURL(fn.codeDir).href },
    Tags: {},
  });
}

function listFunctions(url: URL, deps: InvokeApiDeps): Response {
  const rawMax = url.searchParams.get('MaxItems');
  const maxItems = rawMax === null ? DEFAULT_MAX_ITEMS : Number(rawMax);
  if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 10000) {
    return lambdaError(
      400,
      'InvalidParameterValueException',
      `1 validation error detected: Value '${rawMax}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000`,
    );
  }
  const marker = url.searchParams.get('Marker');
  const start = marker === null ? 0 : Number(marker);
  const all = deps.list();
  if (!Number.isInteger(start) || start < 0 || start > all.length) {
    return lambdaError(400, 'InvalidParameterValueException', `Invalid marker ((local: ${JSON.stringify(marker)} is not a marker this endpoint returned))`);
  }
  const page = all.slice(start, start + maxItems);
  const next = start + page.length;
  return json({
    Functions: page.map((fn) => functionConfiguration(fn, deps.endpoint())),
    ...(next < all.length ? { NextMarker: String(next) } : {}),
  });
}
