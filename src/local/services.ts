import { createAuthService } from './auth/index.js';
import type { ServiceFactory } from './core/service.js';
import { createDataService } from './data/index.js';
import { createFunctionsService } from './functions/index.js';
import { createIdentityService } from './identity/index.js';
import { createKeysService } from './keys/index.js';
import { createMessagingService } from './messaging/index.js';
import { createParametersService } from './parameters/index.js';
import { createQueuesService } from './queues/index.js';
import { createStorageService } from './storage/index.js';
import { createStsService } from './sts/index.js';

/**
 * Every emulated service, in routing order (the front door asks each `matches()` in turn) and in
 * start order. Each service owner adds one record; the admin API is part of the frame, not listed.
 */
export const serviceFactories: readonly ServiceFactory[] = [
  { name: 'auth', create: createAuthService },
  { name: 'data', create: (ctx) => createDataService(ctx) },
  { name: 'functions', create: createFunctionsService },
  { name: 'identity', create: createIdentityService },
  { name: 'keys', create: createKeysService },
  { name: 'messaging', create: createMessagingService },
  { name: 'parameters', create: createParametersService },
  { name: 'queues', create: createQueuesService },
  { name: 'storage', create: createStorageService },
  { name: 'sts', create: createStsService },
];
