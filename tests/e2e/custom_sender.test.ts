import '../helpers/polyfills.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { confirmResetPassword, confirmSignUp, resetPassword, signIn, signOut, signUp } from 'aws-amplify/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../src/local/assembly/load_assembly.js';
import type { BackendModel } from '../../src/local/assembly/model.js';
import { getFixtureAssembly } from '../fixtures/assembly.js';
import { configureTestClient } from '../helpers/amplify_client.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';

/** What the fixture's sender function recorded for one invocation. */
interface Sent {
  triggerSource: string;
  type: string;
  userName: string;
  userPoolId: string;
  email: string;
  clientMetadata?: Record<string, string>;
  encryptedCode: string;
  code: string;
  poolInContext: string;
}

const SERVICES = ['auth', 'identity', 'functions', 'keys'] as const;
const PASSWORD = 'Correct-Horse-9-battery!';
const NEW_PASSWORD = 'Another-Horse-7-battery!';

let dir: string;
let model: BackendModel;
let cloud: TestLocalCloud;

/** The backend with the sender's output file set (its template leaves SENT_MESSAGES_FILE out). */
function withSentFile(base: BackendModel, file: string): BackendModel {
  const copy = structuredClone(base);
  const fn = copy.functions.find((f) => f.friendlyName === 'email-sender');
  if (!fn) throw new Error('the fixture has no email-sender function');
  fn.environment.SENT_MESSAGES_FILE = file;
  return copy;
}

function sent(file = path.join(dir, 'sent.jsonl')): Sent[] {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Sent);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'custom-sender-'));
  model = loadBackendModel(await getFixtureAssembly('custom-sender'));
  cloud = await startLocalCloud({ model: withSentFile(model, path.join(dir, 'sent.jsonl')), services: SERVICES });
  configureTestClient(cloud.outputs);
});
afterAll(async () => {
  await signOut().catch(() => undefined);
  await cloud?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a custom email sender (defineAuth senders.email) with the real aws-amplify client', () => {
  it('reads the pool key and the sender from the template', () => {
    const pool = model.auth!.userPool;
    expect(pool.triggers.CustomEmailSender).toBeDefined();
    expect(model.keys!.keys.map((k) => k.arn)).toEqual([pool.kmsKeyArn]);
    expect(model.warnings ?? []).not.toContainEqual(expect.stringContaining('CustomEmailSender'));
  });

  it('hands the sign-up code to the function encrypted, and the code it decrypts confirms the sign-up', async () => {
    const email = 'ada@example.com';
    const out = await signUp({ username: email, password: PASSWORD, options: { userAttributes: { email }, clientMetadata: { campaign: 'spring' } } });
    expect(out.nextStep.signUpStep).toBe('CONFIRM_SIGN_UP');

    const [message] = sent().filter((s) => s.email === email);
    expect(message).toMatchObject({
      triggerSource: 'CustomEmailSender_SignUp',
      type: 'customEmailSenderRequestV1',
      userPoolId: model.auth!.userPool.id,
      poolInContext: model.auth!.userPool.id,
      clientMetadata: { campaign: 'spring' },
    });
    expect(message.code).toMatch(/^\d{6}$/);
    // An AWS Encryption SDK message (format version 2), not the code in clear.
    expect(message.encryptedCode).not.toContain(message.code);
    expect(Buffer.from(message.encryptedCode, 'base64')[0]).toBe(2);

    // Cognito sent nothing itself: the outbox only notes the hand-over.
    const [entry] = await cloud.outbox({ to: email });
    expect(entry.data).toMatchObject({ customSender: model.auth!.userPool.triggers.CustomEmailSender, triggerSource: 'CustomEmailSender_SignUp' });

    await expect(confirmSignUp({ username: email, confirmationCode: '000000' === message.code ? '111111' : '000000' })).rejects.toMatchObject({
      name: 'CodeMismatchException',
    });
    const confirmed = await confirmSignUp({ username: email, confirmationCode: message.code });
    expect(confirmed.isSignUpComplete).toBe(true);
  });

  it('hands the password-reset code to the function as CustomEmailSender_ForgotPassword', async () => {
    const email = 'ada@example.com';
    const out = await resetPassword({ username: email });
    expect(out.nextStep.resetPasswordStep).toBe('CONFIRM_RESET_PASSWORD_WITH_CODE');
    const message = sent()
      .filter((s) => s.email === email)
      .pop()!;
    expect(message.triggerSource).toBe('CustomEmailSender_ForgotPassword');
    await confirmResetPassword({ username: email, confirmationCode: message.code, newPassword: NEW_PASSWORD });
    const signedIn = await signIn({ username: email, password: NEW_PASSWORD });
    expect(signedIn.isSignedIn).toBe(true);
    await signOut();
  });
});

describe('a custom sender whose role may not decrypt with the key', () => {
  it('fails the sign-up with the function error naming KMS AccessDeniedException', async () => {
    const file = path.join(dir, 'denied.jsonl');
    const denied = withSentFile(model, file);
    const fnRole = denied.functions.find((f) => f.friendlyName === 'email-sender')!.roleArn;
    const role = denied.iam.roles.find((r) => r.arn === fnRole)!;
    role.statements = role.statements.filter((s) => !s.actions.includes('kms:Decrypt'));
    const other = await startLocalCloud({ model: denied, services: SERVICES });
    try {
      configureTestClient(other.outputs);
      await expect(signUp({ username: 'eve@example.com', password: PASSWORD, options: { userAttributes: { email: 'eve@example.com' } } })).rejects.toMatchObject({
        name: 'UserLambdaValidationException',
        message: expect.stringMatching(/^CustomEmailSender failed with error .*AccessDeniedException.*kms:Decrypt/s),
      });
      expect(sent(file)).toEqual([]);
    } finally {
      configureTestClient(cloud.outputs);
      await other.stop();
    }
  });
});
