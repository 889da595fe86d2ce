import { defineFunction } from '@aws-amplify/backend';

/**
 * Cognito postConfirmation trigger: creates the confirmed user's UserProfile.
 * It lives in the auth stack's resource group because auth references it as a trigger;
 * keeping it there avoids an auth → function → data → auth dependency loop.
 */
export const postConfirmation = defineFunction({
  name: 'post-confirmation',
  entry: './handler.ts',
  resourceGroupName: 'auth',
  runtime: 24,
  timeoutSeconds: 10,
});
