import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { createFunctionsServiceWith, type FunctionsService } from '../../../src/local/functions/index.js';
import type { FunctionInvoker } from '../../../src/local/core/registry.js';
import { REFRESH_MARGIN_MS, ROLE_CREDENTIALS_TTL_SECONDS } from '../../../src/local/functions/role_credentials.js';
import { FIXTURES, fixtureFunction, testContext, testModel, type TestContext } from './helpers.js';

interface Echo {
  event: unknown;
  pid: number;
  served: number;
  requestId: string;
  remainingMs: number;
  functionName: string;
  invokedFunctionArn: string;
  heapLimitMB: number;
  cwd: string;
  envKeys: string[];
  env: Record<string, string | undefined>;
}

let t: TestContext | undefined;
let service: FunctionsService | undefined;

afterEach(async () => {
  await service?.stop();
  t?.cleanup();
  service = undefined;
  t = undefined;
});

async function start(
  functions = [fixtureFunction('ok')],
  opts: Parameters<typeof createFunctionsServiceWith>[0] = {},
  ctxExtra: Record<string, unknown> = {},
): Promise<FunctionInvoker> {
  t = testContext(testModel({ functions }));
  Object.assign(t.ctx, ctxExtra);
  service = createFunctionsServiceWith(opts)(t.ctx);
  t.registry.publish(await service.start());
  service.connect(t.registry);
  return t.registry.get('functions.invoker');
}

describe('function runtime', () => {
  it('runs the handler of the bundled module and returns its result', async () => {
    const invoker = await start();
    const result = await invoker.invoke('ok', { hello: 'world' });
    expect(result.functionError).toBeUndefined();
    const echo = result.payload as Echo;
    expect(echo.event).toEqual({ hello: 'world' });
    expect(echo.functionName).toBe('amplify-test-ok-lambda');
    expect(echo.invokedFunctionArn).toBe('arn:aws:lambda:us-east-1:123456789012:function:amplify-test-ok-lambda');
    expect(echo.remainingMs).toBeGreaterThan(0);
    expect(echo.remainingMs).toBeLessThanOrEqual(10_000);
    expect(echo.cwd).toBe(path.resolve(FIXTURES));
    expect(echo.pid).not.toBe(process.pid);
  });

  it('runs a CommonJS index.js as Lambda does, even inside a project whose package.json says type module', async () => {
    const project = mkdtempSync(path.join(tmpdir(), 'cjs-project-'));
    try {
      writeFileSync(path.join(project, 'package.json'), '{ "type": "module" }\n');
      const taskRoot = path.join(project, '.amplify', 'asset.cjs');
      mkdirSync(taskRoot, { recursive: true });
      writeFileSync(path.join(taskRoot, 'index.js'), 'exports.handler = async (event) => ({ cjs: typeof module !== "undefined", n: event.n + 1 });\n');
      const invoker = await start([fixtureFunction('cjs', { handler: 'index.handler', codeDir: taskRoot })]);
      const result = await invoker.invoke('cjs', { n: 1 });
      expect(result.functionError).toBeUndefined();
      expect(result.payload).toEqual({ cjs: true, n: 2 });
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it('finds a function by logical id, physical name, Gen 2 name and ARN', async () => {
    const invoker = await start();
    const fn = fixtureFunction('ok');
    for (const key of [fn.logicalId, fn.functionName, 'ok', fn.arn]) expect(invoker.has(key)).toBe(true);
    expect(invoker.has('nope')).toBe(false);
    await expect(invoker.invoke('nope', {})).rejects.toThrow(/Function not found: nope/);
  });

  it('reuses a warm environment for the next invocation', async () => {
    const invoker = await start();
    const first = (await invoker.invoke('ok', {})).payload as Echo;
    const second = (await invoker.invoke('ok', {})).payload as Echo;
    expect(second.pid).toBe(first.pid);
    expect(second.served).toBe(2);
    expect(second.requestId).not.toBe(first.requestId);
    const records = service!.invocations('ok');
    expect(records.map((r) => r.coldStart)).toEqual([false, true]);
    expect(records.every((r) => r.outcome === 'success')).toBe(true);
  });

  it('runs each function in its own process', async () => {
    const invoker = await start([fixtureFunction('ok'), fixtureFunction('throw')]);
    const ok = (await invoker.invoke('ok', {})).payload as Echo;
    const other = (await invoker.invoke('throw', { ok: true })).payload as { pid: number };
    expect(other.pid).not.toBe(ok.pid);
  });

  it('composes the environment from the template and the reserved Lambda variables', async () => {
    process.env.LOCAL_CLOUD_PARENT_SECRET = 'must-not-leak';
    const fn = fixtureFunction('ok', {
      memoryMB: 192,
      environment: {
        GRAPHQL_URL: '${LOCAL_ENDPOINT}/graphql',
        PLAIN: 'value',
        AMPLIFY_SSM_ENV_CONFIG: '{"X":{"path":"/amplify/x"}}',
        AWS_REGION: 'eu-west-3',
      },
    });
    const invoker = await start([fn], {}, { caCertPath: path.join(FIXTURES, 'ok.mjs') });
    const echo = (await invoker.invoke('ok', {})).payload as Echo;
    const endpoint = 'https://127.0.0.1:20002';
    expect(echo.env).toMatchObject({
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: 'amplify-test-ok-lambda',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '192',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_ENDPOINT_URL: endpoint,
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      AWS_ENDPOINT_URL_PINPOINT: endpoint,
      AWS_ENDPOINT_URL_KINESIS: endpoint,
      AWS_ENDPOINT_URL_SQS: endpoint,
      AWS_ENDPOINT_URL_LAMBDA: endpoint,
      AWS_ENDPOINT_URL_APPSYNC: endpoint,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: endpoint,
      AWS_ENDPOINT_URL_SSM: endpoint,
      // What the loader left unresolved (the secrets) reaches the banner, which asks the local SSM.
      AMPLIFY_SSM_ENV_CONFIG: '{"X":{"path":"/amplify/x"}}',
      AWS_ENDPOINT_URL_KMS: endpoint,
      AWS_ENDPOINT_URL_STS: endpoint,
      GRAPHQL_URL: `${endpoint}/graphql`,
      PLAIN: 'value',
      NODE_EXTRA_CA_CERTS: path.join(FIXTURES, 'ok.mjs'),
      _HANDLER: 'ok.handler',
    });
    expect(echo.envKeys).not.toContain('LOCAL_CLOUD_PARENT_SECRET');
    // nodejs22.x on an older local Node: the SDK's old-Node warning is an artifact of running locally.
    const olderLocalNode = Number(process.versions.node.split('.')[0]) < 22;
    expect(echo.envKeys.includes('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED')).toBe(olderLocalNode);
    delete process.env.LOCAL_CLOUD_PARENT_SECRET;
  });

  it('bounds the heap by the memory size of the template', async () => {
    const invoker = await start([fixtureFunction('ok', { memoryMB: 128 })]);
    const echo = (await invoker.invoke('ok', {})).payload as Echo;
    // V8 adds its young generation to --max-old-space-size; far below the default of 2 GB or more.
    expect(echo.heapLimitMB).toBeLessThan(128 + 64);
  });

  it('hands the function temporary credentials of its own role', async () => {
    const invoker = await start();
    const echo = (await invoker.invoke('ok', {})).payload as Echo;
    const issued = t!.credentials.issued;
    expect(issued).toHaveLength(1);
    expect(issued[0].roleArn).toBe('arn:aws:iam::123456789012:role/ok-role');
    expect(issued[0].functionName).toBe('amplify-test-ok-lambda');
    expect(echo.env.AWS_ACCESS_KEY_ID).toBe(issued[0].accessKeyId);
    expect(echo.env.AWS_SECRET_ACCESS_KEY).toBe(issued[0].secretAccessKey);
    expect(echo.env.AWS_SESSION_TOKEN).toBe(issued[0].sessionToken);
  });

  it('refreshes the credentials of a warm environment before they expire', async () => {
    const invoker = await start();
    const first = (await invoker.invoke('ok', {})).payload as Echo;
    t!.clock.advance(ROLE_CREDENTIALS_TTL_SECONDS * 1000 - REFRESH_MARGIN_MS + 1000);
    const second = (await invoker.invoke('ok', {})).payload as Echo;
    expect(second.pid).toBe(first.pid);
    expect(t!.credentials.issued).toHaveLength(2);
    expect(second.env.AWS_ACCESS_KEY_ID).toBe(t!.credentials.issued[1].accessKeyId);
    expect(second.env.AWS_ACCESS_KEY_ID).not.toBe(first.env.AWS_ACCESS_KEY_ID);
  });

  it('runs without credentials when no identity service is running', async () => {
    t = testContext(testModel({ functions: [fixtureFunction('ok')] }), { withCredentials: false });
    service = createFunctionsServiceWith({})(t.ctx);
    t.registry.publish(await service.start());
    service.connect(t.registry);
    const echo = (await t.registry.get('functions.invoker').invoke('ok', {})).payload as Echo;
    expect(echo.env.AWS_ACCESS_KEY_ID).toBeUndefined();
  });
});

describe('function failures', () => {
  it('reports a thrown error like Lambda and keeps the environment', async () => {
    const invoker = await start([fixtureFunction('throw')]);
    const failed = await invoker.invoke('throw', { n: 1 });
    expect(failed.functionError).toBe('Unhandled');
    const payload = failed.payload as { errorType: string; errorMessage: string; trace: string[] };
    expect(payload.errorType).toBe('ValidationError');
    expect(payload.errorMessage).toBe('bad input {"n":1}');
    expect(payload.trace[0]).toMatch(/^ValidationError: bad input/);
    const after = (await invoker.invoke('throw', { ok: true })).payload as { calls: number };
    expect(after.calls).toBe(2);
    expect(t!.log.lines.some((l) => l.level === 'error' && /Invoke Error .*ValidationError/.test(l.msg))).toBe(true);
  });

  it('stops a function at its timeout and reports it the way Lambda words it', async () => {
    const invoker = await start([fixtureFunction('timeout', { timeoutSeconds: 0.5 })]);
    const result = await invoker.invoke('timeout', {});
    expect(result.functionError).toBe('Unhandled');
    const payload = result.payload as { errorType: string; errorMessage: string };
    expect(payload.errorType).toBe('Sandbox.Timedout');
    expect(payload.errorMessage).toMatch(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 0\.50 seconds$/);
    expect(result.logs).toMatch(/Task timed out after 0\.50 seconds/);
    expect(service!.invocations('timeout')[0].outcome).toBe('timeout');
    // The next invocation gets a fresh environment.
    const next = await invoker.invoke('timeout', { ok: true });
    expect(next.functionError).toBeUndefined();
  });

  it('stops a handler stuck in a synchronous loop', async () => {
    const invoker = await start([fixtureFunction('timeout', { timeoutSeconds: 0.5 })]);
    const result = await invoker.invoke('timeout', { busy: true });
    expect((result.payload as { errorType: string }).errorType).toBe('Sandbox.Timedout');
  });

  it('reports a process that exits mid-invocation and serves the next one', async () => {
    const invoker = await start([fixtureFunction('crash')]);
    const result = await invoker.invoke('crash', { code: 3 });
    expect(result.functionError).toBe('Unhandled');
    expect(result.payload).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringMatching(/^RequestId: \S+ Error: Runtime exited with error: exit status 3$/),
    });
    expect(service!.invocations('crash')[0].outcome).toBe('crash');
    const next = await invoker.invoke('crash', { ok: true });
    expect(next.functionError).toBeUndefined();
  });

  it('reports an error thrown outside the handler promise and discards that environment', async () => {
    const invoker = await start([fixtureFunction('crash')]);
    const result = await invoker.invoke('crash', { escape: true });
    expect(result.payload).toMatchObject({ errorType: 'Error', errorMessage: 'escaped the handler' });
    const next = await invoker.invoke('crash', { ok: true });
    expect(next.functionError).toBeUndefined();
  });

  it('reports an error thrown while the module loads', async () => {
    const invoker = await start([fixtureFunction('init_error')]);
    const result = await invoker.invoke('init_error', {});
    expect(result.functionError).toBe('Unhandled');
    expect(result.payload).toMatchObject({ errorType: 'TypeError', errorMessage: 'cannot read configuration' });
  });

  it('reports a module without the configured handler export', async () => {
    const invoker = await start([fixtureFunction('not_exported')]);
    const result = await invoker.invoke('not_exported', {});
    expect(result.payload).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'not_exported.handler is undefined or not exported',
    });
  });

  it('reports a handler file that does not exist', async () => {
    const invoker = await start([fixtureFunction('missing')]);
    const result = await invoker.invoke('missing', {});
    expect(result.payload).toMatchObject({ errorType: 'Runtime.ImportModuleError' });
  });

  it('refuses a response over 6 MB', async () => {
    const invoker = await start([fixtureFunction('big')]);
    const result = await invoker.invoke('big', {});
    expect(result.functionError).toBe('Unhandled');
    expect(result.payload).toMatchObject({ errorType: 'Function.ResponseSizeTooLarge' });
  });

  it('supports callback-style handlers', async () => {
    const invoker = await start([fixtureFunction('callback')]);
    expect((await invoker.invoke('callback', {})).payload).toEqual({ via: 'callback' });
    const failed = await invoker.invoke('callback', { fail: true });
    expect(failed.payload).toMatchObject({ errorType: 'Error', errorMessage: 'callback failure' });
  });

  it('picks up a handler file changed on disk only in a new environment', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'amplify-fn-code-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'index.mjs'), 'export const handler = async () => "v1";\n');
    const invoker = await start([fixtureFunction('index', { codeDir: dir })]);
    expect((await invoker.invoke('index', {})).payload).toBe('v1');
    writeFileSync(path.join(dir, 'index.mjs'), 'export const handler = async () => "v2";\n');
    expect((await invoker.invoke('index', {})).payload).toBe('v1');
  });
});

describe('function logs and concurrency', () => {
  it('streams log lines to the console under the function name and returns them with the result', async () => {
    const invoker = await start([fixtureFunction('logs')]);
    const result = await invoker.invoke('logs', { who: 'tests' });
    const lines = t!.log.lines.filter((l) => l.prefix === 'logs');
    expect(lines).toEqual(
      expect.arrayContaining([
        { level: 'info', prefix: 'logs', msg: 'hello from tests' },
        { level: 'info', prefix: 'logs', msg: 'an info line' },
        { level: 'warn', prefix: 'logs', msg: 'a warning' },
        { level: 'error', prefix: 'logs', msg: 'an error line' },
        { level: 'info', prefix: 'logs', msg: 'first line\nsecond line' },
        { level: 'info', prefix: 'logs', msg: 'raw stdout line' },
      ]),
    );
    expect(result.logs).toMatch(/^START RequestId: \S+ Version: \$LATEST\n/);
    expect(result.logs).toMatch(/\tINFO\thello from tests\n/);
    expect(result.logs).toMatch(/END RequestId: \S+\nREPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\n$/);
  });

  it('keeps a last line written without a newline', async () => {
    const invoker = await start([fixtureFunction('logs', { handler: 'logs.unterminated' })]);
    const result = await invoker.invoke('logs', {});
    expect(result.payload).toBe('done');
    expect(result.logs).toMatch(/\nno newline at the end\nEND RequestId/);
    expect(t!.log.lines).toContainEqual({ level: 'info', prefix: 'logs', msg: 'no newline at the end' });
  });

  it('runs concurrent invocations in at most maxConcurrency environments', async () => {
    const invoker = await start([fixtureFunction('ok')], { maxConcurrency: 2 });
    const results = await Promise.all([1, 2, 3, 4].map(() => invoker.invoke('ok', { wait: 150 })));
    const pids = new Set(results.map((r) => (r.payload as Echo).pid));
    expect(results.every((r) => r.functionError === undefined)).toBe(true);
    expect(pids.size).toBeLessThanOrEqual(2);
    expect(pids.size).toBeGreaterThanOrEqual(1);
  });

  it('records invocations with their source, newest first, in a bounded history', async () => {
    const invoker = await start();
    await invoker.invoke('ok', { triggerSource: 'PostConfirmation_ConfirmSignUp', userPoolId: 'us-east-1_x' });
    await invoker.invoke('ok', { arguments: { id: 1 }, info: { fieldName: 'f' } });
    await invoker.invoke('ok', { Records: [{ eventSource: 'aws:dynamodb' }] });
    await invoker.invoke('ok', { anything: true });
    const records = service!.invocations('ok');
    expect(records.map((r) => r.source)).toEqual(['invoker', 'dynamodb-stream', 'appsync', 'cognito']);
    expect(records[0]).toMatchObject({ functionName: 'amplify-test-ok-lambda', outcome: 'success' });
    expect(new Date(records[0].startedAt).getTime()).toBe(t!.clock.now());
    for (let i = 0; i < 120; i++) await invoker.invoke('ok', {});
    expect(service!.invocations('ok')).toHaveLength(100);
  });

  it('ends every runtime process on stop', async () => {
    const invoker = await start();
    const { pid } = (await invoker.invoke('ok', {})).payload as Echo;
    await service!.stop();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
