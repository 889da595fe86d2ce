import { defineStorage } from '@aws-amplify/backend';

export const storage = defineStorage({
  name: 'mediaStorage',
  isDefault: true,
  access: (allow) => ({
    'private/{entity_id}/*': [allow.entity('identity').to(['read', 'write', 'delete'])],
    'media/{entity_id}/*': [
      allow.entity('identity').to(['read', 'write', 'delete']),
      allow.authenticated.to(['read']),
    ],
  }),
});
