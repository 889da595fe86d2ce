/** Builds a FuzzEnv for a running local cloud: its outputs, model and (when allowed) guest credentials. */
import type { LocalCloud } from '../../src/local/app.js';
import { guestCredentials } from '../../tests/helpers/guest_credentials.js';
import type { FuzzEnv } from './targets.js';

export async function fuzzEnvOf(cloud: Pick<LocalCloud, 'endpoint' | 'outputs' | 'model'>): Promise<FuzzEnv> {
  return { endpoint: cloud.endpoint, outputs: cloud.outputs, model: cloud.model, credentials: await guestCredentials(cloud) };
}
