import outputs from 'virtual:amplify-outputs';
import { localEndpoints } from '../../../src/client/index.js';

/**
 * The local cloud's admin API (`…/_local`) when the outputs were written by `npm start`; undefined for
 * a deployed backend. The views use it for what only the local cloud has: its outbox of sent messages.
 */
export function adminEndpoint(): string | undefined {
  return localEndpoints(outputs)?.admin_endpoint;
}
