import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionModel } from '../../../src/local/assembly/model.js';
import type { IssuedCredentials } from '../../../src/local/core/registry.js';
import type { FunctionsService } from '../../../src/local/functions/index.js';
import { startLocalCloud, type TestLocalCloud } from '../../helpers/local_cloud.js';

/**
 * The real bundles of this repository's backend (`asset.<hash>/index.mjs`, `index.handler`), run by
 * the whole local cloud: their Gen 2 banner, the data client set-up that fetches the model
 * introspection file from the local storage with the function's role credentials over verified
 * TLS, and the Lambda Invoke API driven by the SDK's own client.
 */

let cloud: TestLocalCloud;
let processor: FunctionModel;
let invokerCreds: IssuedCredentials;

function functions(): FunctionsService {
  return cloud.cloud.services.find((s) => s.name === 'functions') as FunctionsService;
}

function lambda(creds: IssuedCredentials = invokerCreds): LambdaClient {
  return new LambdaClient({
    region: 'us-east-1',
    endpoint: cloud.endpoint,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken },
    maxAttempts: 1,
  });
}

beforeAll(async () => {
  cloud = await startLocalCloud();
  processor = cloud.cloud.model.functions.find((f) => f.friendlyName === 'post-processor')!;
  // The role the backend grants lambda:InvokeFunction on the post-processor (its AppSync data source).
  const role = cloud.cloud.model.iam.roles.find((r) =>
    r.statements.some((s) => s.actions.includes('lambda:InvokeFunction') && s.resources.includes(processor.arn)),
  )!;
  invokerCreds = cloud.cloud.registry.get('identity.credentials').issueForRole(role.arn, 'appsync', 900);
});

afterAll(async () => {
  await cloud?.stop();
});

describe('the post-processor bundle in the running local cloud', () => {
  it('starts from its bundled asset and answers a processPost call with a Lambda-shaped error', async () => {
    expect(processor.codeDir).toMatch(/asset\.[0-9a-f]{64}$/);
    expect(processor.handler).toBe('index.handler');
    const out = await lambda().send(
      new InvokeCommand({
        FunctionName: processor.functionName,
        Payload: JSON.stringify({ arguments: { postId: 'no-such-post' }, identity: { sub: 'someone' } }),
        LogType: 'Tail',
      }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.ExecutedVersion).toBe('$LATEST');
    expect(out.FunctionError).toBe('Unhandled');
    const payload = JSON.parse(Buffer.from(out.Payload!).toString()) as { errorType: string; errorMessage: string; trace: string[] };
    // The handler ran past its cold start (banner, data client config) and failed on the post itself.
    expect(payload.errorMessage).toMatch(/no-such-post/);
    expect(payload.trace.length).toBeGreaterThan(0);
    expect(Buffer.from(out.LogResult!, 'base64').toString()).toMatch(/REPORT RequestId: \S+\tDuration/);
    expect(functions().invocations('post-processor')[0]).toMatchObject({ source: 'lambda-api', outcome: 'error', coldStart: true });
  });

  it('handles a stream batch and reports the records it could not process', async () => {
    const invoker = cloud.cloud.registry.get('functions.invoker');
    const result = await invoker.invoke(processor.logicalId, {
      Records: [
        { eventID: 'e1', eventName: 'MODIFY', eventVersion: '1.1', eventSource: 'aws:dynamodb', dynamodb: { SequenceNumber: '100' } },
        { eventID: 'e2', eventName: 'REMOVE', eventVersion: '1.1', eventSource: 'aws:dynamodb', dynamodb: { SequenceNumber: '101' } },
      ],
    });
    // Only INSERTs are processed; the others succeed without work.
    expect(result.functionError).toBeUndefined();
    expect(result.payload).toEqual({ batchItemFailures: [] });
    expect(functions().invocations('post-processor')[0]).toMatchObject({ source: 'dynamodb-stream', coldStart: false });
  });

  it('answers the SDK with ResourceNotFoundException and AccessDeniedException like Lambda', async () => {
    const missing = await lambda().send(new InvokeCommand({ FunctionName: 'no-such-function' })).catch((e: Error) => e);
    expect((missing as Error).name).toBe('ResourceNotFoundException');
    const confirmation = cloud.cloud.model.functions.find((f) => f.friendlyName === 'post-confirmation')!;
    const denied = await lambda().send(new InvokeCommand({ FunctionName: confirmation.functionName })).catch((e: Error) => e);
    expect((denied as Error).name).toBe('AccessDeniedException');
  });

  it('lists both functions and both table streams in the start-up banner', () => {
    const lines = functions().describe!();
    expect(lines.filter((l) => /^functions: post-(processor|confirmation) \(/.test(l))).toHaveLength(2);
    expect(lines.filter((l) => /stream → post-processor \(batch 10, window 1 s, 1 filter\(s\)\)/.test(l))).toHaveLength(2);
  });
});
