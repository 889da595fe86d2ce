import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { PinpointClient, SendMessagesCommand } from '@aws-sdk/client-pinpoint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingService } from '../../../src/local/messaging/index.js';
import { startLocalCloud, type TestLocalCloud } from '../../helpers/local_cloud.js';
import { guestCredentials } from '../../helpers/guest_credentials.js';

/** The SDK's own clients over real HTTPS against the whole local cloud, with this repository's backend. */

let cloud: TestLocalCloud;

beforeAll(async () => {
  cloud = await startLocalCloud();
});
afterAll(async () => {
  await cloud?.stop();
});

function messaging(): MessagingService {
  return cloud.cloud.services.find((s) => s.name === 'messaging') as MessagingService;
}

/** The identity pool's guest credentials (this backend allows guests). */
const guest = async () => (await guestCredentials(cloud.cloud))!;

describe('messaging through the SDK against the running local cloud', () => {
  it('lets a guest put analytics events into the stream of the backend', async () => {
    // The Kinesis client's default handler in Node is HTTP/2 (NodeHttp2Handler): the front door negotiates it.
    const stream = cloud.cloud.model.messaging.kinesisStreams[0];
    const kinesis = new KinesisClient({ region: 'us-east-1', endpoint: cloud.endpoint, credentials: await guest() });
    const out = await kinesis.send(
      new PutRecordsCommand({
        StreamName: stream.name,
        Records: [{ PartitionKey: 'guest', Data: new TextEncoder().encode('{"event":"app_open"}') }],
      }),
    );
    expect(out.FailedRecordCount).toBe(0);
    expect(messaging().records(stream.name)!.map((r) => r.text)).toEqual(['{"event":"app_open"}']);
    // The same records through the admin API, over HTTPS.
    const res = await fetch(`${cloud.endpoint}/_local/messaging/kinesis-records?stream=${encodeURIComponent(stream.name)}`);
    const body = (await res.json()) as { records: { text: string }[] };
    expect(body.records.map((r) => r.text)).toEqual(['{"event":"app_open"}']);
  });

  it('refuses a guest a stream the backend does not grant', async () => {
    const kinesis = new KinesisClient({ region: 'us-east-1', endpoint: cloud.endpoint, credentials: await guest(), maxAttempts: 1 });
    const err = await kinesis.send(new PutRecordsCommand({ StreamName: 'not-ours', Records: [{ PartitionKey: 'k', Data: new Uint8Array([1]) }] })).catch((e: Error) => e);
    expect((err as Error).name).toBe('AccessDeniedException');
  });

  it("sends a push with the post-processor's role and records it in the outbox", async () => {
    const model = cloud.cloud.model;
    const app = model.messaging.pinpointApps[0];
    const processor = model.functions.find((f) => f.friendlyName === 'post-processor')!;
    const creds = cloud.cloud.registry.get('identity.credentials').issueForRole(processor.roleArn!, processor.functionName, 900);
    const pinpoint = new PinpointClient({
      region: 'us-east-1',
      endpoint: cloud.endpoint,
      credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken },
    });
    const out = await pinpoint.send(
      new SendMessagesCommand({
        ApplicationId: app.id,
        MessageRequest: {
          Addresses: { 'sdk-device-token': { ChannelType: 'GCM' } },
          MessageConfiguration: { GCMMessage: { Action: 'OPEN_APP', Title: 'Your post is live', Body: 'From the SDK' } },
        },
      }),
    );
    expect(out.MessageResponse?.Result?.['sdk-device-token']).toMatchObject({ DeliveryStatus: 'SUCCESSFUL', StatusCode: 200 });
    const pushes = await cloud.outbox({ channel: 'push', to: 'sdk-device-token' });
    expect(pushes).toEqual([expect.objectContaining({ subject: 'Your post is live', body: 'From the SDK' })]);
  });

  it('refuses a guest sending pushes', async () => {
    const app = cloud.cloud.model.messaging.pinpointApps[0];
    const pinpoint = new PinpointClient({ region: 'us-east-1', endpoint: cloud.endpoint, credentials: await guest(), maxAttempts: 1 });
    const err = await pinpoint
      .send(new SendMessagesCommand({ ApplicationId: app.id, MessageRequest: { Addresses: { t: { ChannelType: 'APNS' } }, MessageConfiguration: {} } }))
      .catch((e: Error) => e);
    expect((err as Error).name).toBe('AccessDeniedException');
  });
});
