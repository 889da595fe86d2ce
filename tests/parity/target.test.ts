import { AdminGetUserCommand, CognitoIdentityProviderClient, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';
import { parityTarget } from './target.js';

/**
 * The parity suite's outputs-file target, aimed at a local cloud's file as it would be at a deployed
 * backend's: users are confirmed and deleted with the developer's credentials from the environment.
 */

let cloud: TestLocalCloud;
const saved = { ...process.env };

beforeAll(async () => {
  cloud = await startLocalCloud();
});

afterAll(async () => {
  process.env = saved;
  await cloud?.stop();
});

describe('parity target from AMPLIFY_OUTPUTS', () => {
  it('confirms a sign-up with AdminConfirmSignUp and deletes the user afterwards, signed with the developer credentials', async () => {
    const file = path.join(cloud.dataDir, '..', 'parity-outputs.json');
    writeFileSync(file, JSON.stringify(cloud.outputs));
    const keys = cloud.cloud.accountKeys;
    Object.assign(process.env, { AMPLIFY_OUTPUTS: file, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    const target = await parityTarget();
    expect(target.kind).toBe('outputs file');

    const auth = cloud.outputs.auth!;
    const idp = new CognitoIdentityProviderClient({ region: auth.aws_region, endpoint: cloud.endpoint, credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey } });
    const email = 'parity.target@example.com';
    await idp.send(
      new SignUpCommand({
        ClientId: auth.user_pool_client_id,
        Username: email,
        Password: 'Parity-Horse-9-battery!',
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'phone_number', Value: '+15555550160' },
        ],
      }),
    );
    await target.confirm(email, async () => {
      throw new Error('an outputs-file target confirms as an administrator, not with a code');
    });
    expect((await idp.send(new AdminGetUserCommand({ UserPoolId: auth.user_pool_id, Username: email }))).UserStatus).toBe('CONFIRMED');

    await target.cleanUp([email, 'never.signed.up@example.com']);
    await expect(idp.send(new AdminGetUserCommand({ UserPoolId: auth.user_pool_id, Username: email }))).rejects.toMatchObject({ name: 'UserNotFoundException' });
    await target.stop();
  });

  it('says what is wrong with an unreadable outputs file', async () => {
    process.env.AMPLIFY_OUTPUTS = path.join(cloud.dataDir, 'no-such-outputs.json');
    await expect(parityTarget()).rejects.toThrow(/AMPLIFY_OUTPUTS=.*no-such-outputs\.json is not a readable outputs file/);
  });
});
