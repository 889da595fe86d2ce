import { createAuthService } from './auth/index.js';
import type { ServiceFactory } from './core/service.js';
import { createDataService } from './data/index.js';
import { createFunctionsService } from './functions/index.js';
import { createIdentityService } from './identity/index.js';
import { createMessagingService } from './messaging/index.js';
import { createStorageService } from './storage/index.js';

/**
 * Every emulated service, in routing order (the front door asks each `matches()` in turn).
 * Each service owner adds one line for their factory; the admin API is part of the frame, not listed.
 */
export const serviceFactories: ServiceFactory[] = [
  createAuthService,
  createDataService,
  createFunctionsService,
  createIdentityService,
  createMessagingService,
  createStorageService,
];
