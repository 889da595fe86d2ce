import './polyfills.js';
import { Amplify } from 'aws-amplify';
import { configureAmplify } from '../../src/client/index.js';
import type { AmplifyOutputs } from '../../src/local/outputs.js';

/**
 * Configures the real `aws-amplify` client against a local cloud exactly as an app does
 * (`configureAmplify(outputs)`), and returns the resolved config for assertions.
 */
export function configureTestClient(outputs: AmplifyOutputs): ReturnType<typeof Amplify.getConfig> {
  configureAmplify(outputs as Parameters<typeof configureAmplify>[0]);
  return Amplify.getConfig();
}

export { storageOptions, withStorageEndpoint } from '../../src/client/index.js';
