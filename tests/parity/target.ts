import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AdminConfirmSignUpCommand, AdminDeleteUserCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { AmplifyOutputs } from '../../src/local/outputs.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';

/**
 * Where the parity suite runs: by default a local cloud started for it; with
 * `AMPLIFY_OUTPUTS=<amplify_outputs.json>` the backend that file describes — a deployed sandbox or
 * branch (`npx ampx sandbox`, `npx ampx generate outputs`) or a local cloud started elsewhere.
 *
 * The suite needs one thing a client cannot do alone: confirm a sign-up. Locally the code is read
 * from the outbox, as the client's user would read the e-mail. Against an outputs file the user is
 * confirmed with `AdminConfirmSignUp`, signed with the developer's own AWS credentials (the SDK's
 * default chain: AWS_PROFILE, AWS_ACCESS_KEY_ID…), and deleted again with `AdminDeleteUser`.
 */
export interface ParityTarget {
  readonly kind: 'local cloud' | 'outputs file';
  readonly outputs: AmplifyOutputs;
  /** Confirms a signed-up user: with the e-mailed code (`confirm(code)`) or as an administrator. */
  confirm(email: string, withCode: (code: string) => Promise<void>): Promise<void>;
  /** Removes what the suite created that outlives it (users, for a deployed backend). */
  cleanUp(emails: string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function parityTarget(): Promise<ParityTarget> {
  const file = process.env.AMPLIFY_OUTPUTS;
  return file ? outputsTarget(path.resolve(file)) : localTarget(await startLocalCloud());
}

function localTarget(cloud: TestLocalCloud): ParityTarget {
  return {
    kind: 'local cloud',
    outputs: cloud.outputs,
    async confirm(email, withCode) {
      const [message] = (await cloud.outbox({ channel: 'email', to: email })).slice(-1);
      if (!message?.code) throw new Error(`no confirmation code was sent to ${email}`);
      await withCode(message.code);
    },
    cleanUp: async () => {},
    stop: () => cloud.stop(),
  };
}

function outputsTarget(file: string): ParityTarget {
  let outputs: AmplifyOutputs;
  try {
    outputs = JSON.parse(readFileSync(file, 'utf8')) as AmplifyOutputs;
  } catch (err) {
    throw new Error(`AMPLIFY_OUTPUTS=${file} is not a readable outputs file (${err instanceof Error ? err.message : String(err)})`);
  }
  const auth = outputs.auth;
  if (!auth) throw new Error(`${file} has no auth section: the parity suite signs users in`);
  const local = (outputs as { custom?: { local?: { user_pool_endpoint?: string } } }).custom?.local;
  // A local cloud's file names its Cognito endpoint; a deployed one uses the region's.
  const cognito = new CognitoIdentityProviderClient({ region: auth.aws_region, ...(local?.user_pool_endpoint ? { endpoint: local.user_pool_endpoint } : {}) });
  return {
    kind: 'outputs file',
    outputs,
    async confirm(email) {
      await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: auth.user_pool_id, Username: email }));
    },
    async cleanUp(emails) {
      for (const Username of emails) {
        await cognito.send(new AdminDeleteUserCommand({ UserPoolId: auth.user_pool_id, Username })).catch((err: unknown) => {
          if ((err as { name?: string }).name !== 'UserNotFoundException') throw err;
        });
      }
    },
    stop: async () => cognito.destroy(),
  };
}
