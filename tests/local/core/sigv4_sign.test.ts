import { describe, expect, it } from 'vitest';
import { accountCredentials, DEFAULT_ACCOUNT_KEYS } from '../../../src/local/core/account.js';
import { ManualClock } from '../../../src/local/core/clock.js';
import type { CredentialStore } from '../../../src/local/core/registry.js';
import { signRequest } from '../../../src/local/core/sigv4_sign.js';
import { verifySigV4 } from '../../../src/local/core/sigv4_verify.js';

const clock = new ManualClock(Date.UTC(2026, 0, 1));
const account = accountCredentials({ accountId: '123456789012' });
const credentials: CredentialStore = { lookup: (id) => (id === account.accessKeyId ? account : undefined), issueForRole: () => account };

describe('signRequest', () => {
  it('signs JSON requests the verifier accepts as the developer', async () => {
    const body = new TextEncoder().encode('{"UserPoolId":"p"}');
    const req = signRequest({
      method: 'POST',
      url: 'https://127.0.0.1:20002/',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.ListUsers' },
      body,
      service: 'cognito-idp',
      region: 'us-east-1',
      keys: DEFAULT_ACCOUNT_KEYS,
      now: clock.now(),
    });
    const verified = await verifySigV4(req, { service: 'cognito-idp', region: 'us-east-1', credentials, clock });
    expect(verified.credentials.kind).toBe('account');
    expect(verified.signedHeaders).toContain('x-amz-target');
  });

  it('signs S3 paths as sent, with an unsigned payload', async () => {
    const req = signRequest({ method: 'GET', url: 'https://127.0.0.1:20002/b.local/public/a%20b/c.txt?list-type=2', service: 's3', region: 'us-east-1', keys: DEFAULT_ACCOUNT_KEYS, now: clock.now() });
    const verified = await verifySigV4(req, { service: 's3', region: 'us-east-1', credentials, clock, allowUnsignedPayload: true });
    expect(verified.payloadHash).toBe('UNSIGNED-PAYLOAD');
  });

  it('is refused when the body changes after signing', async () => {
    const signed = signRequest({ method: 'POST', url: 'https://127.0.0.1:20002/', body: new TextEncoder().encode('{}'), service: 'kinesis', region: 'us-east-1', keys: DEFAULT_ACCOUNT_KEYS, now: clock.now() });
    const tampered = new Request(signed.url, { method: 'POST', headers: signed.headers, body: '{"x":1}' });
    await expect(verifySigV4(tampered, { service: 'kinesis', region: 'us-east-1', credentials, clock })).rejects.toMatchObject({ name: 'SigV4Error' });
  });
});
