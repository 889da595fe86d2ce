import { PinpointClient, SendMessagesCommand } from '@aws-sdk/client-pinpoint';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PinpointAppModel } from '../../../src/local/assembly/model.js';
import type { IssuedCredentials } from '../../../src/local/core/registry.js';
import { createMessagingService, type MessagingService } from '../../../src/local/messaging/index.js';
import { signForTest } from '../../helpers/sigv4.js';
import { ACCOUNT, REGION, role, testContext, testModel, type TestContext } from '../functions/helpers.js';
import { inProcessHandler } from './in_process_handler.js';

const ENDPOINT = 'https://127.0.0.1:20002';
/** An app whose template enables no channel: the local cloud emulates APNS and GCM. */
const bare: PinpointAppModel = { logicalId: 'PushApp', id: '0123456789abcdef0123456789abcdef', name: 'app-push', channels: [] };
/** An app whose template enables the APNs sandbox channel only. */
const sandboxOnly: PinpointAppModel = { logicalId: 'SandboxApp', id: 'fedcba9876543210fedcba9876543210', name: 'sandbox-push', channels: ['APNS_SANDBOX'] };
const messagesArn = (appId: string) => `arn:aws:mobiletargeting:${REGION}:${ACCOUNT}:apps/${appId}/messages`;

const sender = role('sender', [{ effect: 'Allow', actions: ['mobiletargeting:SendMessages'], resources: [messagesArn(bare.id), messagesArn(sandboxOnly.id)] }]);
const admin = role('admin', [{ effect: 'Allow', actions: ['mobiletargeting:*'], resources: ['*'] }]);
const reader = role('reader', [{ effect: 'Allow', actions: ['kinesis:PutRecord'], resources: ['*'] }]);

let t: TestContext;
let service: MessagingService;
let creds: IssuedCredentials;

beforeEach(async () => {
  t = testContext(testModel({ messaging: { pinpointApps: [bare, sandboxOnly], kinesisStreams: [] }, iam: { roles: [sender, admin, reader] } }), { endpoint: ENDPOINT });
  service = createMessagingService(t.ctx);
  await service.start();
  creds = t.credentials.issueForRole(sender.arn, 'post-processor', 3600);
});

afterEach(async () => {
  await service.stop();
  t.cleanup();
});

async function send(appId: string, body: unknown, opts: { as?: IssuedCredentials; method?: string } = {}): Promise<Response> {
  const req = await signForTest({
    url: `${ENDPOINT}/v1/apps/${appId}/messages`,
    method: opts.method ?? 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    credentials: opts.as ?? creds,
    service: 'mobiletargeting',
    signingDate: new Date(t.clock.now()),
  });
  expect(service.matches(req, new URL(req.url))).toBe(true);
  return service.fetch(req);
}

const pushRequest = {
  Addresses: { 'apns-token-1': { ChannelType: 'APNS' }, 'fcm-token-1': { ChannelType: 'GCM' } },
  MessageConfiguration: {
    APNSMessage: { Action: 'OPEN_APP', Title: 'Your post is live', Body: 'Hello', Data: { postId: 'p1' } },
    GCMMessage: { Action: 'OPEN_APP', Title: 'Your post is live', Body: 'Hello', Data: { postId: 'p1' } },
  },
};

describe('Pinpoint SendMessages', () => {
  it('records a push per address in the outbox and answers with per-address results', async () => {
    const res = await send(bare.id, pushRequest);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ApplicationId: string; RequestId: string; Result: Record<string, Record<string, unknown>> };
    expect(body.ApplicationId).toBe(bare.id);
    expect(body.RequestId).toBe(res.headers.get('x-amzn-requestid'));
    for (const address of ['apns-token-1', 'fcm-token-1']) {
      expect(body.Result[address]).toMatchObject({ DeliveryStatus: 'SUCCESSFUL', StatusCode: 200, MessageId: expect.stringMatching(/^[a-z0-9]{40}$/) });
    }
    const pushes = t.outbox.list({ channel: 'push' });
    expect(pushes).toHaveLength(2);
    expect(pushes[0]).toMatchObject({
      channel: 'push',
      to: 'apns-token-1',
      subject: 'Your post is live',
      body: 'Hello',
      data: { channelType: 'APNS', action: 'OPEN_APP', data: { postId: 'p1' }, applicationId: bare.id, messageId: body.Result['apns-token-1'].MessageId },
    });
    expect(pushes[1]).toMatchObject({ to: 'fcm-token-1', data: { channelType: 'GCM' } });
  });

  it('is what the SDK sends and parses (MessageResponse)', async () => {
    const client = new PinpointClient({
      region: REGION,
      endpoint: ENDPOINT,
      credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken },
      requestHandler: inProcessHandler((req) => service.fetch(req)),
      systemClockOffset: t.clock.now() - Date.now(),
    });
    const out = await client.send(new SendMessagesCommand({ ApplicationId: bare.id, MessageRequest: pushRequest as never }));
    expect(out.MessageResponse?.ApplicationId).toBe(bare.id);
    expect(out.MessageResponse?.Result?.['apns-token-1']?.DeliveryStatus).toBe('SUCCESSFUL');
    const missing = await client.send(new SendMessagesCommand({ ApplicationId: 'ffffffffffffffffffffffffffffffff', MessageRequest: pushRequest as never })).catch((e: Error) => e);
    expect((missing as Error).name).toBe('AccessDeniedException');
  });

  it('fails only the addresses whose channel the template does not enable', async () => {
    const res = await send(sandboxOnly.id, {
      Addresses: { 'sandbox-token': { ChannelType: 'APNS_SANDBOX' }, 'fcm-token': { ChannelType: 'GCM' }, 'apns-token': { ChannelType: 'APNS' } },
      MessageConfiguration: { DefaultPushNotificationMessage: { Title: 'T', Body: 'B' } },
    });
    expect(res.status).toBe(200);
    const { Result } = (await res.json()) as { Result: Record<string, Record<string, unknown>> };
    expect(Result['sandbox-token']).toMatchObject({ DeliveryStatus: 'SUCCESSFUL', StatusCode: 200 });
    for (const address of ['fcm-token', 'apns-token']) {
      expect(Result[address]).toMatchObject({ DeliveryStatus: 'PERMANENT_FAILURE', StatusCode: 400, StatusMessage: expect.stringMatching(/is not enabled for application/) });
      expect(Result[address].MessageId).toBeUndefined();
    }
    expect(t.outbox.list().map((m) => m.to)).toEqual(['sandbox-token']);
  });

  it('emulates only APNS and GCM for an app without channels', async () => {
    const res = await send(bare.id, {
      Addresses: { 'sandbox-token': { ChannelType: 'APNS_SANDBOX' }, '+15555550100': { ChannelType: 'SMS' } },
      MessageConfiguration: { DefaultMessage: { Body: 'hi' } },
    });
    const { Result } = (await res.json()) as { Result: Record<string, Record<string, unknown>> };
    expect(Result['sandbox-token'].DeliveryStatus).toBe('PERMANENT_FAILURE');
    expect(Result['+15555550100'].DeliveryStatus).toBe('PERMANENT_FAILURE');
    expect(t.outbox.list()).toEqual([]);
  });

  it('applies default messages, per-address overrides and substitutions', async () => {
    const res = await send(bare.id, {
      Addresses: {
        a: { ChannelType: 'APNS', TitleOverride: 'Just for you', Substitutions: { name: ['Ada'] } },
        b: { ChannelType: 'GCM', BodyOverride: 'Overridden' },
      },
      MessageConfiguration: {
        DefaultMessage: { Body: 'Hello {{name}}', Substitutions: { name: ['friend'] } },
        DefaultPushNotificationMessage: { Title: 'Default title', Action: 'DEEP_LINK', Url: 'app://posts' },
      },
    });
    expect(res.status).toBe(200);
    const [a, b] = t.outbox.list();
    expect(a).toMatchObject({ to: 'a', subject: 'Just for you', body: 'Hello Ada', data: { action: 'DEEP_LINK', url: 'app://posts' } });
    expect(b).toMatchObject({ to: 'b', subject: 'Default title', body: 'Overridden' });
  });

  it('fails an address that has no message for its channel', async () => {
    const res = await send(bare.id, { Addresses: { a: { ChannelType: 'APNS' } }, MessageConfiguration: { SMSMessage: { Body: 'x' } } });
    const { Result } = (await res.json()) as { Result: Record<string, Record<string, unknown>> };
    expect(Result.a).toMatchObject({ DeliveryStatus: 'PERMANENT_FAILURE', StatusCode: 400 });
  });

  it('answers 404 NotFoundException for an app that is not in the backend', async () => {
    const res = await send('99999999999999999999999999999999', pushRequest, { as: t.credentials.issueForRole(admin.arn, 'admin', 3600) });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-errortype')).toBe('NotFoundException');
    const body = (await res.json()) as { Message: string; RequestID: string };
    expect(body).toEqual({ Message: 'Resource not found', RequestID: expect.any(String) });
    expect(t.outbox.list()).toEqual([]);
  });

  it("refuses a caller whose role may not send through that app", async () => {
    const res = await send('99999999999999999999999999999999', pushRequest);
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
    const other = await send(bare.id, pushRequest, { as: t.credentials.issueForRole(reader.arn, 'reader', 3600) });
    expect(other.status).toBe(403);
    expect(((await other.json()) as { Message: string }).Message).toMatch(
      new RegExp(`^User: arn:aws:sts::${ACCOUNT}:assumed-role/reader/reader is not authorized to perform: mobiletargeting:SendMessages on resource: ${messagesArn(bare.id)}`),
    );
    expect(t.outbox.list()).toEqual([]);
  });

  it('answers 400 BadRequestException for a body that is not a message request', async () => {
    const config = { DefaultMessage: { Body: 'x' } };
    for (const body of [
      '{not json',
      '[]',
      '{}',
      JSON.stringify({ Addresses: { a: { ChannelType: 'PIGEON' } }, MessageConfiguration: config }),
      JSON.stringify({ Addresses: { a: {} }, MessageConfiguration: config }),
      JSON.stringify({ Addresses: { a: { ChannelType: 'APNS' } } }),
    ]) {
      const res = await send(bare.id, body);
      expect(res.status, body).toBe(400);
      expect(res.headers.get('x-amzn-errortype')).toBe('BadRequestException');
      expect(await res.json()).toEqual({ Message: expect.any(String), RequestID: expect.any(String) });
    }
    expect(t.outbox.list()).toEqual([]);
  });

  it('refuses an unsigned request and a bad signature', async () => {
    const unsigned = await service.fetch(new Request(`${ENDPOINT}/v1/apps/${bare.id}/messages`, { method: 'POST', body: JSON.stringify(pushRequest) }));
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    const forged = await send(bare.id, pushRequest, { as: { ...creds, secretAccessKey: 'not-the-secret' } });
    expect(forged.status).toBe(403);
    expect(forged.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
    expect(t.outbox.list()).toEqual([]);
  });

  it('answers other methods and paths like Pinpoint', async () => {
    expect((await send(bare.id, '', { method: 'PUT' })).status).toBe(405);
    const req = await signForTest({ url: `${ENDPOINT}/v1/apps/${bare.id}/endpoints/x`, credentials: creds, service: 'mobiletargeting', signingDate: new Date(t.clock.now()) });
    expect((await service.fetch(req)).status).toBe(404);
  });

  it('says at start which channels it emulates', () => {
    const lines = service.describe!();
    expect(lines.find((l) => l.includes(bare.id))).toMatch(/enables no channel in the template; APNS and GCM are emulated \(\(local: /);
    expect(lines.find((l) => l.includes(sandboxOnly.id))).toMatch(/channels APNS_SANDBOX/);
  });
});
