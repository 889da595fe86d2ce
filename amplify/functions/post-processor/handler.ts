import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/data';
import { getAmplifyDataClientConfig } from '@aws-amplify/backend/function/runtime';
import { PinpointClient } from '@aws-sdk/client-pinpoint';
import type { Schema } from '../../data/resource.js';
import { createGraphqlStore } from './graphql_store.js';
import { parseBlockedTerms } from './moderation.js';
import { createProcessor, type ProcessPostEvent, type StreamEvent } from './processor.js';

const { resourceConfig, libraryOptions } = await getAmplifyDataClientConfig(
  process.env as Parameters<typeof getAmplifyDataClientConfig>[0],
);
Amplify.configure(resourceConfig, libraryOptions);

const processor = createProcessor({
  store: createGraphqlStore(generateClient<Schema>()),
  pinpoint: new PinpointClient({}),
  push: {
    appId: process.env.PINPOINT_APP_ID,
    apnsChannelType: process.env.APNS_CHANNEL_TYPE === 'APNS_SANDBOX' ? 'APNS_SANDBOX' : 'APNS',
  },
  blockedTerms: parseBlockedTerms(process.env.BLOCKED_TERMS),
});

export const handler = (event: StreamEvent | ProcessPostEvent) => processor.handle(event);
