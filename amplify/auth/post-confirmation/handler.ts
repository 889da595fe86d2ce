import type { PostConfirmationTriggerHandler } from 'aws-lambda';
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/data';
import { getAmplifyDataClientConfig } from '@aws-amplify/backend/function/runtime';
import type { Schema } from '../../data/resource.js';

const { resourceConfig, libraryOptions } = await getAmplifyDataClientConfig(
  process.env as Parameters<typeof getAmplifyDataClientConfig>[0],
);
Amplify.configure(resourceConfig, libraryOptions);
const client = generateClient<Schema>();

/**
 * Creates the user's profile once their sign-up is confirmed. The profile id is the user's `sub`,
 * so a retried trigger finds the profile already there instead of creating a second one.
 */
export const handler: PostConfirmationTriggerHandler = async (event) => {
  if (event.triggerSource !== 'PostConfirmation_ConfirmSignUp') return event;
  const attrs = event.request.userAttributes;
  const sub = attrs.sub;
  const displayName =
    [attrs.given_name, attrs.family_name].filter(Boolean).join(' ') || (attrs.email ?? '').split('@')[0] || 'New user';
  const { errors } = await client.models.UserProfile.create({
    id: sub,
    displayName,
    givenName: attrs.given_name ?? null,
    familyName: attrs.family_name ?? null,
    owner: `${sub}::${event.userName}`,
  });
  if (errors?.length && !errors.every((e) => /ConditionalCheckFailed/.test(e.errorType ?? e.message))) {
    throw new Error(`creating the profile of ${sub} failed: ${errors.map((e) => e.message).join('; ')}`);
  }
  return event;
};
