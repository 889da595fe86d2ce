import { randomUUID } from 'node:crypto';
import { signIn } from 'aws-amplify/auth';
import { configureTestClient } from '../helpers/amplify_client.js';
import type { TestLocalCloud } from '../helpers/local_cloud.js';
import { cognitoEnv, createUser, type SignedInUser } from './data_users.js';

/**
 * Two confirmed users of `cloud`'s pool, Alice signed in through the aws-amplify client (configured
 * for `cloud`) and Bob's tokens at hand for requests of his own.
 */
export async function aliceSignedInBobAtHand(cloud: TestLocalCloud): Promise<{ alice: SignedInUser; bob: SignedInUser }> {
  configureTestClient(cloud.outputs);
  const env = { ...cognitoEnv(cloud.endpoint, cloud.cloud.model.auth!), outbox: (f: { channel: 'email'; to: string }) => cloud.outbox(f) };
  const alice = await createUser(env, `alice-${randomUUID().slice(0, 8)}@example.com`);
  const bob = await createUser(env, `bob-${randomUUID().slice(0, 8)}@example.com`);
  await signIn({ username: alice.email, password: alice.password });
  return { alice, bob };
}
