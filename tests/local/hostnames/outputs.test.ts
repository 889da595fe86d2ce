import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localEndpoints } from '../../../src/client/index.js';
import { LOCAL_ENDPOINT } from '../../../src/local/assembly/local_endpoint.js';
import { awsHostnames } from '../../../src/local/hostnames/names.js';
import { buildOutputs, checkOutputs } from '../../../src/local/outputs.js';
import { formatOutputs, writeOutputsFormats } from '../../../src/local/outputs_formats.js';
import { minimalModel } from '../../helpers/minimal_model.js';

const model = minimalModel({
  customOutputs: {
    version: '1.4',
    custom: { api: `${LOCAL_ENDPOINT}/graphql`, realtime: `${LOCAL_ENDPOINT}/graphql/realtime`, queue: `${LOCAL_ENDPOINT}/123456789012/jobs`, other: `${LOCAL_ENDPOINT}/x` },
  },
  queues: [{ name: 'jobs' } as never],
});
const where = { endpoint: 'https://127.0.0.1:20002', caCertPath: '/data/tls/ca.pem', awsHostnames: awsHostnames(model) };
const outputs = buildOutputs(model, where);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('outputs in AWS-hostname mode', () => {
  it('carries the deployed AppSync URL and passes the 1.5 checks', () => {
    expect(outputs.data?.url).toBe('https://frameapi00000000000000001.appsync-api.us-east-1.amazonaws.com/graphql');
    expect(checkOutputs(outputs)).toEqual([]);
    expect(JSON.stringify(outputs)).not.toContain('127.0.0.1:20002/graphql');
  });

  it('has no custom endpoint a client would configure: src/client sees a deployed backend', () => {
    const local = outputs.custom?.local as Record<string, unknown>;
    expect(local).toMatchObject({ mode: 'aws-hostnames', front_door: 'https://127.0.0.1:20002', admin_endpoint: 'https://127.0.0.1:20002/_local' });
    expect(local.hostnames).toContain('cognito-idp.us-east-1.amazonaws.com');
    for (const key of ['endpoint', 'user_pool_endpoint', 'identity_pool_endpoint', 'storage_endpoint', 'sts_endpoint']) expect(local).not.toHaveProperty(key);
    expect(localEndpoints(outputs)).toBeUndefined();
  });

  it("gives the backend's published URLs their deployed shape", () => {
    expect(outputs.custom).toMatchObject({
      api: 'https://frameapi00000000000000001.appsync-api.us-east-1.amazonaws.com/graphql',
      realtime: 'wss://frameapi00000000000000001.appsync-realtime-api.us-east-1.amazonaws.com/graphql',
      queue: 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs',
      other: 'https://127.0.0.1:20002/x',
    });
  });

  it('keeps the loopback shape without the mode', () => {
    const loopback = buildOutputs(model, { endpoint: where.endpoint, caCertPath: where.caCertPath });
    expect(loopback.data?.url).toBe('https://127.0.0.1:20002/graphql');
    expect(localEndpoints(loopback)?.user_pool_endpoint).toBe('https://127.0.0.1:20002');
  });
});

describe('outputs formats', () => {
  it('dart: the 1.5 JSON as the raw Dart string amplifyConfig, as ampx writes it', async () => {
    const dart = await formatOutputs(outputs, 'dart');
    const match = /^const amplifyConfig = r'''([\s\S]*)''';$/.exec(dart);
    expect(match).not.toBeNull();
    expect(JSON.parse(match![1])).toEqual(outputs);
  });

  it('json-mobile: the v1 libraries’ amplifyconfiguration.json with the deployed URLs', async () => {
    const mobile = JSON.parse(await formatOutputs(outputs, 'json-mobile')) as {
      UserAgent: string;
      auth: { plugins: { awsCognitoAuthPlugin: { CognitoUserPool: { Default: Record<string, string> }; CredentialsProvider: unknown } } };
      api: { plugins: { awsAPIPlugin: { data: Record<string, string> } } };
      storage: { plugins: { awsS3StoragePlugin: Record<string, string> } };
    };
    expect(mobile.UserAgent).toMatch(/^@aws-amplify\/client-config\/\d+\.\d+\.\d+$/);
    expect(mobile.auth.plugins.awsCognitoAuthPlugin.CognitoUserPool.Default).toEqual({
      PoolId: 'us-east-1_Frame0001',
      AppClientId: 'frameclient0000000000000001',
      Region: 'us-east-1',
    });
    expect(mobile.api.plugins.awsAPIPlugin.data).toMatchObject({
      endpointType: 'GraphQL',
      endpoint: 'https://frameapi00000000000000001.appsync-api.us-east-1.amazonaws.com/graphql',
      authorizationType: 'AMAZON_COGNITO_USER_POOLS',
    });
    expect(mobile.storage.plugins.awsS3StoragePlugin).toEqual({ bucket: 'frame.media.local', region: 'us-east-1' });
    expect(JSON.stringify(mobile)).not.toContain('127.0.0.1');
  });

  it('writes each format next to amplify_outputs.json under the names ampx uses', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'outputs-formats-'));
    dirs.push(dir);
    const written = await writeOutputsFormats(path.join(dir, 'amplify_outputs.json'), outputs, ['json', 'json-mobile', 'dart', 'dart']);
    expect(written.map((f) => path.basename(f))).toEqual(['amplify_outputs.json', 'amplifyconfiguration.json', 'amplify_outputs.dart']);
    expect(JSON.parse(readFileSync(written[0], 'utf8'))).toEqual(outputs);
  });
});
