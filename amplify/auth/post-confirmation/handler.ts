import type { PostConfirmationTriggerHandler } from 'aws-lambda';
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/data';
import { getAmplifyDataClientConfig } from '@aws-amplify/backend/function/runtime';
import type { Schema } from '../../data/resource.js';
import { createProfile } from './profile.js';

const { resourceConfig, libraryOptions } = await getAmplifyDataClientConfig(
  process.env as Parameters<typeof getAmplifyDataClientConfig>[0],
);
Amplify.configure(resourceConfig, libraryOptions);
const client = generateClient<Schema>();

/** Creates the confirmed user's UserProfile through the data API (IAM, `allow.resource`). */
export const handler: PostConfirmationTriggerHandler = async (event) => {
  await createProfile(client.models.UserProfile, event);
  return event;
};
