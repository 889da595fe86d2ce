import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackendModel, KmsKeyModel } from '../../../src/local/assembly/model.js';
import type { KeyManager } from '../../../src/local/core/registry.js';
import { createKeysService } from '../../../src/local/keys/index.js';
import { serviceContext } from '../../helpers/service_context.js';
import { authHarness, authModel, backendModel, CLIENT_ID, FakeInvoker, PASSWORD, POOL_ID, type AuthHarness } from './harness.js';

const KEY_ID = '5e1d0c0d-0000-4000-8000-00000000c0de';
const KEY_ARN = `arn:aws:kms:us-east-1:123456789012:key/${KEY_ID}`;
const key = (enabled = true): KmsKeyModel => ({
  logicalId: 'CustomSenderKey',
  keyId: KEY_ID,
  arn: KEY_ARN,
  enabled,
  keySpec: 'SYMMETRIC_DEFAULT',
  keyUsage: 'ENCRYPT_DECRYPT',
  rotationEnabled: true,
  aliases: [],
});

function senderModel(opts: { enabled?: boolean; autoVerify?: string[] } = {}): BackendModel {
  return {
    ...backendModel(
      authModel({
        pool: {
          triggers: { CustomEmailSender: 'emailSenderFn', CustomSMSSender: 'smsSenderFn' },
          kmsKeyArn: KEY_ARN,
          autoVerifiedAttributes: opts.autoVerify ?? ['email'],
        },
      }),
    ),
    keys: { keys: [key(opts.enabled)] },
  };
}

let h: AuthHarness | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const c of cleanups.splice(0)) c();
});

/** The auth service with the real keys service beside it, and senders answered by `invoker`. */
async function start(model: BackendModel, invoker: FakeInvoker, withKeys = true): Promise<AuthHarness> {
  h = await authHarness({ model, invoker });
  if (withKeys) {
    const keys = serviceContext({ name: 'keys', model, registry: h.registry });
    cleanups.push(keys.cleanup);
    h.registry.publish(await createKeysService(keys.ctx).start());
  }
  return h;
}

/** What a sender function does with `request.code`: the Encryption SDK and a KMS Decrypt of the data key. */
async function decryptCode(kms: KeyManager, code: string): Promise<{ plaintext: string; context: Record<string, string> }> {
  const client = {
    async decrypt({ CiphertextBlob, EncryptionContext }: { CiphertextBlob: Uint8Array; EncryptionContext?: Record<string, string> }) {
      const out = kms.decrypt(CiphertextBlob, EncryptionContext ?? {});
      return { KeyId: out.keyArn, Plaintext: new Uint8Array(out.plaintext) };
    },
  };
  const keyring = new KmsKeyringNode({ keyIds: [KEY_ARN], clientProvider: (() => client) as never });
  const { plaintext, messageHeader } = await buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT).decrypt(keyring, Buffer.from(code, 'base64'));
  return { plaintext: plaintext.toString('utf8'), context: { ...messageHeader.encryptionContext } };
}

const signUp = (harness: AuthHarness, email: string) =>
  harness.call('SignUp', {
    ClientId: CLIENT_ID,
    Username: email,
    Password: PASSWORD,
    UserAttributes: [{ Name: 'phone_number', Value: '+15555550123' }],
    ClientMetadata: { source: 'test' },
  });

describe('custom sender triggers', () => {
  it('sends the SMS sign-up code to CustomSMSSender as Cognito shapes it, encrypted for this pool', async () => {
    const invoker = new FakeInvoker();
    invoker.handlers.set('smsSenderFn', () => ({ payload: null }));
    const harness = await start(senderModel({ autoVerify: ['phone_number'] }), invoker);
    const res = await signUp(harness, 'sam@example.com');
    expect(res.status).toBe(200);
    expect(res.body.CodeDeliveryDetails).toMatchObject({ DeliveryMedium: 'SMS', AttributeName: 'phone_number' });

    expect(invoker.events).toHaveLength(1);
    const { fn, event } = invoker.events[0];
    expect(fn).toBe('smsSenderFn');
    expect(event).toMatchObject({
      version: '1',
      triggerSource: 'CustomSMSSender_SignUp',
      region: 'us-east-1',
      userPoolId: POOL_ID,
      userName: res.body.UserSub,
      callerContext: { clientId: CLIENT_ID },
      request: {
        type: 'customSMSSenderRequestV1',
        clientMetadata: { source: 'test' },
        userAttributes: { email: 'sam@example.com', phone_number: '+15555550123', 'cognito:user_status': 'UNCONFIRMED' },
      },
      response: {},
    });
    const code = (event.request as { code: string }).code;
    const decrypted = await decryptCode(harness.registry.get('keys.kms'), code);
    expect(decrypted.plaintext).toMatch(/^\d{6}$/);
    expect(decrypted.context).toMatchObject({ 'userpool-id': POOL_ID });

    // The outbox notes the hand-over; no message body carries the code.
    const [entry] = harness.outbox.list({ to: '+15555550123' });
    expect(entry.data).toMatchObject({ customSender: 'smsSenderFn', triggerSource: 'CustomSMSSender_SignUp' });
    expect(entry.body).not.toContain(decrypted.plaintext);

    const confirm = await harness.call('ConfirmSignUp', { ClientId: CLIENT_ID, Username: 'sam@example.com', ConfirmationCode: decrypted.plaintext });
    expect(confirm.status).toBe(200);
  });

  it('hands an invitation temporary password to CustomEmailSender_AdminCreateUser', async () => {
    const invoker = new FakeInvoker();
    invoker.handlers.set('emailSenderFn', () => ({ payload: { ignored: true } }));
    const harness = await start(senderModel(), invoker);
    const res = await harness.call('AdminCreateUser', {
      UserPoolId: POOL_ID,
      Username: 'ivy@example.com',
      TemporaryPassword: 'Temp-Passw0rd!',
      UserAttributes: [{ Name: 'phone_number', Value: '+15555550124' }],
      DesiredDeliveryMediums: ['EMAIL'],
    });
    expect(res.status).toBe(200);
    const { event } = invoker.events[0];
    expect(event).toMatchObject({ triggerSource: 'CustomEmailSender_AdminCreateUser', request: { type: 'customEmailSenderRequestV1' } });
    expect((await decryptCode(harness.registry.get('keys.kms'), (event.request as { code: string }).code)).plaintext).toBe('Temp-Passw0rd!');
  });

  it('fails the call with the function error, as other triggers do', async () => {
    const invoker = new FakeInvoker();
    invoker.handlers.set('emailSenderFn', () => ({ functionError: 'Unhandled', payload: { errorType: 'Error', errorMessage: 'provider down' } }));
    const harness = await start(senderModel(), invoker);
    const res = await signUp(harness, 'kim@example.com');
    expect(res.body).toMatchObject({ __type: 'UserLambdaValidationException', message: 'CustomEmailSender failed with error provider down.' });
  });

  it('refuses with CodeDeliveryFailureException when KMS refuses the key, without invoking the sender', async () => {
    const invoker = new FakeInvoker();
    invoker.handlers.set('emailSenderFn', () => ({ payload: null }));
    const harness = await start(senderModel({ enabled: false }), invoker);
    const res = await signUp(harness, 'lee@example.com');
    expect(res.body.__type).toBe('CodeDeliveryFailureException');
    expect(res.body.message).toContain('DisabledException');
    expect(invoker.events).toEqual([]);
  });

  it('falls back to the outbox, with a warning, when the sender cannot run locally', async () => {
    const harness = await start(senderModel(), new FakeInvoker(), false);
    const res = await signUp(harness, 'max@example.com');
    expect(res.status).toBe(200);
    const [message] = harness.outbox.list({ to: 'max@example.com' });
    expect(message.body).toContain(message.code);
    expect(message.data).not.toHaveProperty('customSender');
    expect(harness.service.describe!()).toContainEqual(expect.stringContaining('custom senders are NOT run locally: no keys service'));
  });

  it('lists the senders it runs at start', async () => {
    const invoker = new FakeInvoker();
    invoker.handlers.set('emailSenderFn', () => ({ payload: null }));
    const harness = await start(senderModel(), invoker);
    const lines = harness.service.describe!();
    expect(lines).toContainEqual(expect.stringContaining('CustomEmailSender trigger → emailSenderFn'));
    expect(lines).not.toContainEqual(expect.stringContaining('NOT run locally: no keys service'));
  });
});
