import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../src/local/assembly/load_assembly.js';
import type { BackendModel } from '../../src/local/assembly/model.js';
import { getFixtureAssembly, repoRoot, unknownResourcesDir } from '../fixtures/assembly.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

/** A Cognito user pool call over the wire (JSON 1.1), as the SDK sends it. */
async function cognito(endpoint: string, action: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${action}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('a backend whose entry is amplify/backend.mjs', () => {
  let cloud: TestLocalCloud;
  beforeAll(async () => {
    cloud = await startLocalCloud({ model: loadBackendModel(await getFixtureAssembly('mjs-backend')) });
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('synthesizes and serves its API: a public API-key read of its model', async () => {
    expect(cloud.cloud.model.stackName).toMatch(/^amplify-mjsbackend-local-sandbox-/);
    const data = cloud.outputs.data!;
    const res = await fetch(data.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': data.api_key! },
      body: JSON.stringify({ query: 'query { listNotes { items { id text } } }' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { listNotes: { items: [] } } });
  });

  it('publishes its API URL through addOutput as the running endpoint', () => {
    expect((cloud.outputs.custom as Record<string, unknown>).notesApiUrl).toBe(`${cloud.endpoint}/graphql`);
  });

  it('serves its user pool', async () => {
    const auth = cloud.outputs.auth!;
    const signUp = await cognito(cloud.endpoint, 'SignUp', { ClientId: auth.user_pool_client_id, Username: 'a@example.com', Password: 'Passw0rd!Passw0rd' });
    expect(signUp.status).toBe(200);
    expect(signUp.json.UserConfirmed).toBe(false);
  });
});

describe('a backend with resources the local cloud does not emulate', () => {
  let model: BackendModel;
  let cloud: TestLocalCloud;
  beforeAll(async () => {
    model = loadBackendModel(await getFixtureAssembly('unknown-resources'));
    cloud = await startLocalCloud({ model });
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('starts, listing what it does not emulate', () => {
    const types = new Set(model.notEmulated?.map((n) => n.type));
    for (const type of ['AWS::Connect::Instance', 'AWS::CustomerProfiles::Domain', 'AWS::Wisdom::Assistant', 'AWS::SNS::Topic', 'AWS::ApiGateway::RestApi']) {
      expect(types).toContain(type);
    }
    expect(types).not.toContain('AWS::Cognito::UserPool');
    expect(model.notEmulated!.find((n) => n.type === 'AWS::Connect::Instance')).toMatchObject({ logicalId: 'ContactCenter', stack: expect.stringContaining('engagement') });
  });

  it('writes addOutput values of the real shape: placeholders for those resources, real ids for the rest', () => {
    const custom = cloud.outputs.custom as Record<string, string>;
    const id = custom.contactCenterId;
    expect(id).toMatch(new RegExp(`^${UUID}$`));
    expect(custom.contactCenterArn).toBe(`arn:aws:connect:us-east-1:123456789012:instance/${id}`);
    expect(custom.contactCenterStatus).toBe('ACTIVE');
    expect(custom.profilesDomain).toBe('customer-profiles');
    expect(custom.assistantArn).toBe(`arn:aws:wisdom:us-east-1:123456789012:assistant/${custom.assistantId}`);
    expect(custom.alertsTopicArn).toBe(`arn:aws:sns:us-east-1:123456789012:${custom.alertsTopicName}`);
    expect(custom.apiId).toMatch(/^[a-z0-9]{10}$/);
    expect(custom.apiRootResourceId).toMatch(/^[a-z0-9]{10}$/);
    expect(custom.apiUrl).toBe(`https://${custom.apiId}.execute-api.us-east-1.amazonaws.com/prod/`);
    expect(custom.apiStage).toBe('prod');
    expect(custom.userPoolId).toBe(cloud.outputs.auth!.user_pool_id);
  });

  it('serves the parts it does emulate', async () => {
    const signUp = await cognito(cloud.endpoint, 'SignUp', {
      ClientId: cloud.outputs.auth!.user_pool_client_id,
      Username: 'b@example.com',
      Password: 'Passw0rd!Passw0rd',
    });
    expect(signUp.status).toBe(200);
  });

  it('says so in the npm start banner', async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'amplify-cli-'));
    const tsx = path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const args = [tsx, 'src/local/cli.ts', '--project', unknownResourcesDir, '--port', '0', '--data-dir', path.join(tmp, 'data'), '--outputs', path.join(tmp, 'out.json')];
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let output = '';
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    try {
      const banner = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready banner in time:\n${output}`)), 170_000);
        child.stdout.on('data', (c: Buffer) => {
          output += c.toString();
          if (/Ctrl-C to stop/.test(output)) {
            clearTimeout(timer);
            resolve(output);
          }
        });
        child.once('exit', (code) => reject(new Error(`the CLI exited early (${code}):\n${output}`)));
      });
      expect(banner).toMatch(/\(\(local: not emulated: [^)]*AWS::Connect::Instance ×1[^)]*AWS::SNS::Topic ×1[^)]*\)\)/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 180_000);
});
