import { defineFunction } from '@aws-amplify/backend';
import { DEFAULT_BLOCKED_TERMS } from './moderation.js';

/**
 * Moderates new posts, re-runs moderation on demand (`processPost`) and sends pushes.
 * It is placed in the data resource group: the data stack references it (Lambda data source,
 * `allow.resource`) and it consumes the data stack's table streams, so a separate stack would
 * form a cycle between nested stacks.
 */
export const postProcessor = defineFunction({
  name: 'post-processor',
  entry: './handler.ts',
  resourceGroupName: 'data',
  runtime: 24,
  timeoutSeconds: 30,
  memoryMB: 256,
  environment: {
    BLOCKED_TERMS: DEFAULT_BLOCKED_TERMS.join(','),
  },
});
