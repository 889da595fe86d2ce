/**
 * A vitest `globalSetup` file: `globalSetup: ['<path>/src/local/testing_global_setup.ts']`. It runs in
 * vitest's main process before any worker exists, creates the test CA under `.amplify/test-ca` of the
 * current folder (or AMPLIFY_LOCAL_CA_DIR) and exports NODE_EXTRA_CA_CERTS for the workers vitest forks.
 * Works with the `forks` pool (vitest's default); worker threads share the parent's CA store, which
 * Node fixed at start.
 */
import { trustLocalCloudCa } from './testing.js';

export default async function setup(): Promise<void> {
  await trustLocalCloudCa();
}
