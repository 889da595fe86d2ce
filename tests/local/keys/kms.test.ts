import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  KMS,
  KMSClient,
  type KMSClientConfig,
  ListAliasesCommand,
  ListKeysCommand,
} from '@aws-sdk/client-kms';
import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KmsKeyModel } from '../../../src/local/assembly/model.js';
import type { IssuedCredentials } from '../../../src/local/core/registry.js';
import type { LocalService } from '../../../src/local/core/service.js';
import { createKeysService } from '../../../src/local/keys/index.js';
import { signForTest } from '../../helpers/sigv4.js';
import { ACCOUNT, REGION, role, testContext, testModel, type TestContext } from '../functions/helpers.js';
import { inProcessHandler } from '../messaging/in_process_handler.js';

const ENDPOINT = 'https://127.0.0.1:20002';
const key = (id: string, overrides: Partial<KmsKeyModel> = {}): KmsKeyModel => ({
  logicalId: `Key${id.slice(0, 4)}`,
  keyId: id,
  arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`,
  enabled: true,
  keySpec: 'SYMMETRIC_DEFAULT',
  keyUsage: 'ENCRYPT_DECRYPT',
  rotationEnabled: true,
  aliases: [],
  ...overrides,
});
const main = key('0a1b2c3d-0000-4000-8000-000000000001', { aliases: ['alias/app-secrets'], description: 'custom sender key' });
const other = key('0a1b2c3d-0000-4000-8000-000000000002');
const disabled = key('0a1b2c3d-0000-4000-8000-000000000003', { enabled: false });

const user = role('userRole', [{ effect: 'Allow', actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'], resources: [main.arn, disabled.arn] }]);
const decryptOnly = role('decryptOnly', [{ effect: 'Allow', actions: ['kms:Decrypt'], resources: [main.arn] }]);
const admin = role('adminRole', [
  { effect: 'Allow', actions: ['kms:*'], resources: ['*'] },
  { effect: 'Deny', actions: ['kms:Decrypt'], resources: [other.arn] },
]);

let t: TestContext;
let service: LocalService;
let creds: IssuedCredentials;

function start(dataDir?: string): LocalService {
  if (dataDir) t.ctx.dataDir = dataDir;
  const s = createKeysService(t.ctx);
  return s;
}

beforeEach(async () => {
  t = testContext(testModel({ keys: { keys: [main, other, disabled] }, iam: { roles: [user, decryptOnly, admin] } }), { endpoint: ENDPOINT });
  service = start();
  t.registry.publish(await service.start());
  creds = t.credentials.issueForRole(user.arn, 'sender', 3600);
});

afterEach(async () => {
  await service.stop();
  t.cleanup();
});

function config(as: IssuedCredentials = creds, target: () => LocalService = () => service): KMSClientConfig {
  return {
    region: REGION,
    endpoint: ENDPOINT,
    credentials: { accessKeyId: as.accessKeyId, secretAccessKey: as.secretAccessKey, sessionToken: as.sessionToken },
    requestHandler: inProcessHandler((req) => {
      expect(target().matches(req, new URL(req.url))).toBe(true);
      return target().fetch(req);
    }),
    systemClockOffset: t.clock.now() - Date.now(),
    maxAttempts: 1,
  };
}

const client = (as?: IssuedCredentials, target?: () => LocalService) => new KMSClient(config(as, target));

async function raw(operation: string, body: string, as: IssuedCredentials = creds): Promise<Response> {
  const req = await signForTest({
    url: `${ENDPOINT}/`,
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${operation}` },
    body,
    credentials: as,
    service: 'kms',
    signingDate: new Date(t.clock.now()),
  });
  return service.fetch(req);
}

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('utf8');
const context = { 'userpool-id': 'us-east-1_abc' };

describe('KMS Encrypt and Decrypt', () => {
  it('decrypts what it encrypted without being told the key, and names the key by ARN', async () => {
    const enc = await client().send(new EncryptCommand({ KeyId: main.keyId, Plaintext: bytes('123456'), EncryptionContext: context }));
    expect(enc.KeyId).toBe(main.arn);
    expect(enc.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
    expect(text(enc.CiphertextBlob)).not.toContain('123456');
    const dec = await client().send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: context }));
    expect(text(dec.Plaintext)).toBe('123456');
    expect(dec.KeyId).toBe(main.arn);
  });

  it('binds the encryption context: another context, none, or a changed byte is InvalidCiphertextException', async () => {
    const enc = await client().send(new EncryptCommand({ KeyId: main.arn, Plaintext: bytes('secret'), EncryptionContext: context }));
    await expect(client().send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { 'userpool-id': 'us-east-1_other' } }))).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    });
    await expect(client().send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    const tampered = Buffer.from(enc.CiphertextBlob!);
    tampered[tampered.length - 1] ^= 1;
    await expect(client().send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: context }))).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    await expect(client().send(new DecryptCommand({ CiphertextBlob: bytes('not a ciphertext at all, just text that is long enough') }))).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    });
  });

  it('accepts a context in any key order', async () => {
    const enc = await client().send(new EncryptCommand({ KeyId: main.keyId, Plaintext: bytes('x'), EncryptionContext: { a: '1', b: '2' } }));
    const dec = await client().send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { b: '2', a: '1' } }));
    expect(text(dec.Plaintext)).toBe('x');
  });

  it('resolves aliases by name and ARN, and refuses a KeyId that is not the blob key with IncorrectKeyException', async () => {
    const byName = await client().send(new EncryptCommand({ KeyId: 'alias/app-secrets', Plaintext: bytes('a') }));
    const byArn = await client().send(new EncryptCommand({ KeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/app-secrets`, Plaintext: bytes('b') }));
    expect([byName.KeyId, byArn.KeyId]).toEqual([main.arn, main.arn]);
    expect(text((await client().send(new DecryptCommand({ CiphertextBlob: byName.CiphertextBlob, KeyId: 'alias/app-secrets' }))).Plaintext)).toBe('a');
    const wrong = client(t.credentials.issueForRole(admin.arn, 'admin', 3600));
    await expect(wrong.send(new DecryptCommand({ CiphertextBlob: byArn.CiphertextBlob, KeyId: other.keyId }))).rejects.toMatchObject({ name: 'IncorrectKeyException' });
  });

  it('answers NotFoundException in KMS words for unknown keys, aliases and malformed ids', async () => {
    const missing = '0a1b2c3d-0000-4000-8000-0000000000ff';
    await expect(client().send(new EncryptCommand({ KeyId: missing, Plaintext: bytes('a') }))).rejects.toMatchObject({
      name: 'NotFoundException',
      message: `Key 'arn:aws:kms:${REGION}:${ACCOUNT}:key/${missing}' does not exist`,
    });
    await expect(client().send(new EncryptCommand({ KeyId: 'alias/nope', Plaintext: bytes('a') }))).rejects.toMatchObject({
      name: 'NotFoundException',
      message: `Alias arn:aws:kms:${REGION}:${ACCOUNT}:alias/nope is not found.`,
    });
    await expect(client().send(new EncryptCommand({ KeyId: 'not-a-key', Plaintext: bytes('a') }))).rejects.toMatchObject({ name: 'NotFoundException', message: "Invalid keyId 'not-a-key'" });
  });

  it('refuses a disabled key with DisabledException', async () => {
    await expect(client().send(new EncryptCommand({ KeyId: disabled.keyId, Plaintext: bytes('a') }))).rejects.toMatchObject({
      name: 'DisabledException',
      message: `${disabled.arn} is disabled.`,
    });
    const described = await client().send(new DescribeKeyCommand({ KeyId: disabled.arn }));
    expect(described.KeyMetadata).toMatchObject({ Enabled: false, KeyState: 'Disabled' });
  });
});

describe('KMS authorization', () => {
  it('needs kms:Decrypt on the key for the caller role, in IAM words', async () => {
    const enc = await client().send(new EncryptCommand({ KeyId: main.keyId, Plaintext: bytes('a') }));
    const onlyDecrypt = client(t.credentials.issueForRole(decryptOnly.arn, 'reader', 3600));
    expect(text((await onlyDecrypt.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).Plaintext)).toBe('a');
    await expect(onlyDecrypt.send(new EncryptCommand({ KeyId: main.keyId, Plaintext: bytes('a') }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/decryptOnly/reader is not authorized to perform: kms:Encrypt on resource: ${main.arn} because no identity-based policy allows the kms:Encrypt action`,
    });
  });

  it('honours an explicit deny and a grant on one key only', async () => {
    const adminClient = client(t.credentials.issueForRole(admin.arn, 'admin', 3600));
    const enc = await adminClient.send(new EncryptCommand({ KeyId: other.keyId, Plaintext: bytes('a') }));
    await expect(adminClient.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('with an explicit deny in an identity-based policy'),
    });
    await expect(client().send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('rejects unsigned requests and unknown credentials', async () => {
    const res = await service.fetch(
      new Request(`${ENDPOINT}/`, { method: 'POST', headers: { 'x-amz-target': 'TrentService.ListKeys', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' }),
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
    const forged = { ...creds, accessKeyId: 'ASIAFORGED0000000000' };
    await expect(client(forged).send(new ListKeysCommand({}))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
  });
});

describe('KMS data keys, metadata and listings', () => {
  it('generates a data key whose ciphertext decrypts to its plaintext', async () => {
    const dk = await client().send(new GenerateDataKeyCommand({ KeyId: main.keyId, KeySpec: 'AES_256', EncryptionContext: context }));
    expect(dk.Plaintext).toHaveLength(32);
    expect(dk.KeyId).toBe(main.arn);
    const dec = await client().send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: context }));
    expect(Buffer.from(dec.Plaintext!).equals(Buffer.from(dk.Plaintext!))).toBe(true);
    const short = await client().send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: main.keyId, NumberOfBytes: 16 }));
    expect(short).not.toHaveProperty('Plaintext');
    expect((await client().send(new DecryptCommand({ CiphertextBlob: short.CiphertextBlob }))).Plaintext).toHaveLength(16);
  });

  it('validates sizes and the key spec as KMS does, changing nothing', async () => {
    await expect(client().send(new GenerateDataKeyCommand({ KeyId: main.keyId, KeySpec: 'AES_256', NumberOfBytes: 32 }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Please specify either number of bytes or key spec.',
    });
    await expect(client().send(new GenerateDataKeyCommand({ KeyId: main.keyId, NumberOfBytes: 2000 }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: "1 validation error detected: Value '2000' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
    });
    await expect(client().send(new EncryptCommand({ KeyId: main.keyId, Plaintext: new Uint8Array(4097) }))).rejects.toMatchObject({ name: 'ValidationException' });
    const missing = await raw('Encrypt', JSON.stringify({ Plaintext: 'YQ==' }));
    expect(await missing.json()).toMatchObject({ __type: 'ValidationException', message: "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null" });
    expect(await (await raw('Encrypt', '{not json')).json()).toMatchObject({ __type: 'SerializationException' });
    expect(await (await raw('Encrypt', JSON.stringify({ KeyId: main.keyId, Plaintext: '***' }))).json()).toMatchObject({ __type: 'SerializationException' });
    expect(await (await raw('Encrypt', JSON.stringify({ KeyId: main.keyId, Plaintext: 'YQ==', EncryptionContext: { a: 1 } }))).json()).toMatchObject({
      __type: 'SerializationException',
    });
    expect(await (await raw('CreateKey', '{}')).json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('describes a key and lists keys and aliases, page by page', async () => {
    const adminClient = client(t.credentials.issueForRole(admin.arn, 'admin', 3600));
    const described = await adminClient.send(new DescribeKeyCommand({ KeyId: 'alias/app-secrets' }));
    expect(described.KeyMetadata).toMatchObject({
      KeyId: main.keyId,
      Arn: main.arn,
      AWSAccountId: ACCOUNT,
      Enabled: true,
      KeyState: 'Enabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      Description: 'custom sender key',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    });
    expect(described.KeyMetadata!.CreationDate).toBeInstanceOf(Date);
    const first = await adminClient.send(new ListKeysCommand({ Limit: 2 }));
    expect(first.Keys!.map((k) => k.KeyId)).toEqual([main.keyId, other.keyId]);
    expect(first.Truncated).toBe(true);
    const second = await adminClient.send(new ListKeysCommand({ Limit: 2, Marker: first.NextMarker }));
    expect(second.Keys!.map((k) => k.KeyArn)).toEqual([disabled.arn]);
    expect(second.Truncated).toBe(false);
    await expect(adminClient.send(new ListKeysCommand({ Marker: 'garbage' }))).rejects.toMatchObject({ name: 'InvalidMarkerException' });
    const aliases = await adminClient.send(new ListAliasesCommand({}));
    expect(aliases.Aliases).toEqual([{ AliasName: 'alias/app-secrets', AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/app-secrets`, TargetKeyId: main.keyId }]);
    await expect(client().send(new ListKeysCommand({}))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('KMS key material', () => {
  it('is kept by a reset: keys belong to the deployment, so what they encrypted stays readable', async () => {
    const enc = await client().send(new EncryptCommand({ KeyId: main.keyId, Plaintext: bytes('still here') }));
    await service.reset();
    expect(text((await client().send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).Plaintext)).toBe('still here');
  });

  it('answers for a backend without keys: every key is NotFoundException', async () => {
    const bare = testContext(testModel({ iam: { roles: [admin] } }), { endpoint: ENDPOINT });
    try {
      const keyless = createKeysService(bare.ctx);
      expect(await keyless.start()).toEqual({});
      const as = bare.credentials.issueForRole(admin.arn, 'admin', 3600);
      const kms = new KMSClient({ ...config(as, () => keyless), systemClockOffset: bare.clock.now() - Date.now() });
      await expect(kms.send(new EncryptCommand({ KeyId: main.keyId, Plaintext: bytes('a') }))).rejects.toMatchObject({ name: 'NotFoundException' });
      expect((await kms.send(new ListKeysCommand({}))).Keys).toEqual([]);
    } finally {
      bare.cleanup();
    }
  });

  it('survives a restart on the same data dir and differs in another one', async () => {
    const enc = await client().send(new EncryptCommand({ KeyId: main.keyId, Plaintext: bytes('kept') }));
    await service.stop();
    const again = start();
    await again.start();
    expect(text((await client(creds, () => again).send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).Plaintext)).toBe('kept');

    const elsewhere = testContext(t.ctx.model, { endpoint: ENDPOINT });
    try {
      const fresh = createKeysService(elsewhere.ctx);
      await fresh.start();
      const res = await fresh.fetch(
        await signForTest({
          url: `${ENDPOINT}/`,
          method: 'POST',
          headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Decrypt' },
          body: JSON.stringify({ CiphertextBlob: Buffer.from(enc.CiphertextBlob!).toString('base64') }),
          credentials: elsewhere.credentials.issueForRole(user.arn, 'sender', 3600),
          service: 'kms',
          signingDate: new Date(elsewhere.clock.now()),
        }),
      );
      expect(await res.json()).toMatchObject({ __type: 'InvalidCiphertextException' });
    } finally {
      elsewhere.cleanup();
    }
  });
});

describe('the AWS Encryption SDK against the local KMS', () => {
  it('encrypts and decrypts a message through KmsKeyringNode with the SDK client', async () => {
    // The Encryption SDK calls the aggregated client's methods (`generateDataKey`, `decrypt`).
    const kmsClient = new KMS(config());
    const keyring = new KmsKeyringNode({ generatorKeyId: main.arn, clientProvider: () => kmsClient });
    const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);
    const { result } = await encrypt(keyring, '424242', { encryptionContext: context });
    const { plaintext, messageHeader } = await decrypt(new KmsKeyringNode({ keyIds: [main.arn], clientProvider: () => kmsClient }), result);
    expect(plaintext.toString()).toBe('424242');
    expect(messageHeader.encryptedDataKeys[0]).toMatchObject({ providerId: 'aws-kms', providerInfo: main.arn });
    expect(messageHeader.encryptionContext).toMatchObject(context);
  });
});
