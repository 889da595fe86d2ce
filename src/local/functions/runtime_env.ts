import type { FunctionModel } from '../assembly/model.js';
import type { IssuedCredentials } from '../core/registry.js';

/**
 * Services whose SDK v3 clients are pointed at the local cloud with `AWS_ENDPOINT_URL_<SERVICE>`
 * (the SDK's service-specific endpoint variables), on top of the global `AWS_ENDPOINT_URL`.
 */
const LOCAL_ENDPOINT_SERVICES = [
  'S3',
  'DYNAMODB',
  'PINPOINT',
  'KINESIS',
  'SQS',
  'LAMBDA',
  'APPSYNC',
  'COGNITO_IDENTITY_PROVIDER',
  'COGNITO_IDENTITY',
  'KMS',
  'SSM',
  'STS',
] as const;

export interface RuntimeEnvInput {
  fn: FunctionModel;
  region: string;
  endpoint: string;
  /** PEM file holding the local CA, so the function's TLS clients trust the local endpoint. */
  caCertPath?: string;
  credentials?: IssuedCredentials;
  logStreamName: string;
  /** PATH for the runtime (child processes the function may start). */
  path?: string;
}

/** The variables a function reads for its credentials; refreshed in warm environments. */
export function credentialVariables(credentials: IssuedCredentials): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
    // With an expiration, the SDK's env provider re-reads the variables when they expire.
    AWS_CREDENTIAL_EXPIRATION: new Date(credentials.expiration).toISOString(),
  };
}

/** Replaces the loader's `${LOCAL_ENDPOINT}` marker with the running endpoint. */
export function substituteEndpoint(value: string, endpoint: string): string {
  return value.split('${LOCAL_ENDPOINT}').join(endpoint);
}

/**
 * The process environment of one function, as Lambda composes it: the template's variables,
 * then the reserved ones Lambda sets itself (which a template cannot override). Nothing is
 * inherited from the local cloud's own environment except PATH, so a developer's AWS profile or
 * keys never reach a function.
 */
export function buildRuntimeEnv(input: RuntimeEnvInput): Record<string, string> {
  const { fn, region, endpoint } = input;
  const env: Record<string, string> = {
    PATH: input.path ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
  };
  for (const [key, value] of Object.entries(fn.environment)) env[key] = substituteEndpoint(value, endpoint);

  Object.assign(env, {
    // Gen 2's banner resolves these paths through SSM at cold start. The loader kept only the ones the
    // assembly does not hold (`secret()`s), which the banner fetches from the local Parameter Store.
    AMPLIFY_SSM_ENV_CONFIG: fn.environment.AMPLIFY_SSM_ENV_CONFIG ?? '{}',
    _HANDLER: fn.handler,
    LAMBDA_TASK_ROOT: fn.codeDir,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMB),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: input.logStreamName,
    AWS_ENDPOINT_URL: endpoint,
  });
  for (const service of LOCAL_ENDPOINT_SERVICES) env[`AWS_ENDPOINT_URL_${service}`] = endpoint;
  // The SDK warns on every cold start when Node is older than it wants; Lambda's runtime (the one the
  // template names) would not, so an older local Node must not add that noise (the banner says it).
  const runtimeMajor = Number(/^nodejs(\d+)/.exec(fn.runtime)?.[1] ?? NaN);
  if (runtimeMajor > Number(process.versions.node.split('.')[0])) env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  if (input.caCertPath) env.NODE_EXTRA_CA_CERTS = input.caCertPath;
  if (input.credentials) Object.assign(env, credentialVariables(input.credentials));
  return env;
}
