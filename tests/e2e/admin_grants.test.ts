import { AdminListGroupsForUserCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../src/local/assembly/load_assembly.js';
import type { BackendModel } from '../../src/local/assembly/model.js';
import { DEFAULT_ACCOUNT_KEYS } from '../../src/local/core/account.js';
import { getFixtureAssembly } from '../fixtures/assembly.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';

/**
 * tests/fixtures/group-trigger: a post-confirmation trigger granted `allow.resource(fn).to(['addUserToGroup'])`
 * calls the Cognito admin API with its role's credentials through the AWS SDK, as deployed.
 */

let cloud: TestLocalCloud;
let model: BackendModel;

beforeAll(async () => {
  model = loadBackendModel(await getFixtureAssembly('group-trigger'), { region: 'us-east-1' });
  cloud = await startLocalCloud({ model, services: ['auth', 'identity', 'functions'] });
}, 120_000);
afterAll(async () => {
  await cloud?.stop();
});

async function cognitoCall(operation: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${cloud.endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('a function granted addUserToGroup', () => {
  it('adds the confirmed user to the group; its ungranted AdminGetUser is refused (else the confirmation fails)', async () => {
    const auth = model.auth!;
    const email = 'gina@example.com';
    const up = await cognitoCall('SignUp', { ClientId: auth.defaultClientId, Username: email, Password: 'Correct-Horse-9-battery!', UserAttributes: [{ Name: 'email', Value: email }] });
    expect(up.status).toBe(200);
    const code = (await cloud.outbox({ to: email })).pop()?.code;
    const confirmed = await cognitoCall('ConfirmSignUp', { ClientId: auth.defaultClientId, Username: email, ConfirmationCode: code });
    expect(confirmed).toEqual({ status: 200, body: {} });

    const admin = new CognitoIdentityProviderClient({ endpoint: cloud.endpoint, region: 'us-east-1', credentials: DEFAULT_ACCOUNT_KEYS, maxAttempts: 1 });
    const groups = await admin.send(new AdminListGroupsForUserCommand({ UserPoolId: auth.userPool.id, Username: email }));
    expect(groups.Groups!.map((g) => g.GroupName)).toEqual(['Members']);
  });
});
