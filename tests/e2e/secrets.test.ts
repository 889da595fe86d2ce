import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../src/local/assembly/load_assembly.js';
import type { BackendModel, FunctionModel } from '../../src/local/assembly/model.js';
import { getFixtureAssembly, repoRoot, secretsBackendDir } from '../fixtures/assembly.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';

/**
 * `SERVICE_TOKEN: secret('API_KEY')` in a function's environment, end to end: the CLI a developer runs
 * (with the secret's name, not the variable's) writes the value while the local cloud runs, the function's own bundled Gen 2 banner fetches it from the local
 * SSM at cold start (GetParameters, signed with the function's role), and the handler reads
 * process.env.SERVICE_TOKEN. Invocations go through the Lambda Invoke API with the SDK's client.
 */

const PLACEHOLDER = '<value will be resolved during runtime>';
let cloud: TestLocalCloud;
let model: BackendModel;
let greeter: FunctionModel;

function credentials(roleArn: string, session: string) {
  const c = cloud.cloud.registry.get('identity.credentials').issueForRole(roleArn, session, 900);
  return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken };
}

const operatorRole = () => (model.customOutputs.custom as { operatorRoleArn: string }).operatorRoleArn;

/** A new client per call: role credentials do not survive a restart, nor do pooled sockets. */
async function invokeGreeter(): Promise<{ greeting?: string; apiKey?: string }> {
  const lambda = new LambdaClient({ region: 'us-east-1', endpoint: cloud.endpoint, credentials: credentials(operatorRole(), 'tester'), maxAttempts: 1 });
  const out = await lambda.send(new InvokeCommand({ FunctionName: greeter.functionName, Payload: '{}' }));
  expect(out.FunctionError).toBeUndefined();
  return JSON.parse(Buffer.from(out.Payload!).toString()) as { greeting?: string; apiKey?: string };
}

/** `npm run local:secret -- <args>` as a separate process, the value piped on stdin. */
function secretCli(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const tsx = path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');
  const child = spawn(process.execPath, [tsx, path.join(repoRoot, 'src/local/secret_cli.ts'), ...args, '--project', secretsBackendDir, '--data-dir', cloud.dataDir], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const bannerLines = () => cloud.cloud.describe().filter((l) => l.startsWith('parameters:'));

beforeAll(async () => {
  model = loadBackendModel(await getFixtureAssembly('secrets'), { region: 'us-east-1' });
  greeter = model.functions.find((f) => f.friendlyName === 'greeter')!;
  cloud = await startLocalCloud({ model });
}, 60_000);

afterAll(async () => {
  await cloud?.stop();
});

describe('secret() values reach functions through the local SSM', () => {
  it('warns at start which secret the backend references but nobody set', () => {
    expect(bannerLines()).toEqual([
      'parameters: secret API_KEY is not set (used by greeter); its functions see Gen 2\'s placeholder until you run `npm run local:secret -- set API_KEY`',
    ]);
  });

  it('gives the function the value set with the CLI while the cloud runs', async () => {
    const set = await secretCli(['set', 'API_KEY'], 's3cr3t-value');
    expect(set).toMatchObject({ code: 0, stdout: 'Successfully created version 1 of secret API_KEY\n' });
    expect(bannerLines()[0]).toBe('parameters: secret API_KEY is set (used by greeter)');
    const view = (await (await fetch(`${cloud.endpoint}/_local/parameters/secrets`)).json()) as { secrets: { name: string; set: boolean }[] };
    expect(view.secrets).toMatchObject([{ name: 'API_KEY', set: true, functions: ['greeter'], path: greeter.secrets![0].path }]);
    expect(JSON.stringify(view)).not.toContain('s3cr3t');
    expect(await invokeGreeter()).toEqual({ greeting: 'hello', apiKey: 's3cr3t-value' });
  });

  it('falls back to the shared path /amplify/shared/<app>/<NAME> when the backend has none', async () => {
    expect((await secretCli(['remove', 'API_KEY'])).code).toBe(0);
    const ssm = new SSMClient({ region: 'us-east-1', endpoint: cloud.endpoint, credentials: credentials(operatorRole(), 'admin'), maxAttempts: 1 });
    await ssm.send(new PutParameterCommand({ Name: greeter.secrets![0].sharedPath, Value: 'shared-value', Type: 'SecureString' }));
    await cloud.restart(); // a cold start
    expect(await invokeGreeter()).toEqual({ greeting: 'hello', apiKey: 'shared-value' });
    const after = new SSMClient({ region: 'us-east-1', endpoint: cloud.endpoint, credentials: credentials(operatorRole(), 'admin'), maxAttempts: 1 });
    await after.send(new DeleteParameterCommand({ Name: greeter.secrets![0].sharedPath }));
  });

  it('leaves Gen 2\'s placeholder in process.env when the secret is unset, as the banner does in Lambda', async () => {
    await cloud.restart();
    expect(bannerLines()[0]).toMatch(/secret API_KEY is not set/);
    expect(await invokeGreeter()).toEqual({ greeting: 'hello', apiKey: PLACEHOLDER });
  });
});
