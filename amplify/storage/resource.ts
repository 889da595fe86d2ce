import { defineStorage } from '@aws-amplify/backend';

/**
 * One bucket for user files. `keepOnDelete` keeps a branch's bucket (and its objects) when the
 * branch's stack is deleted; sandboxes ignore it (the library says so at synth) and clean up.
 * The bucket only accepts TLS requests (the library's default) and keeps object versions.
 */
export const storage = defineStorage({
  name: 'mediaStorage',
  isDefault: true,
  versioned: true,
  keepOnDelete: true,
  access: (allow) => ({
    'private/{entity_id}/*': [allow.entity('identity').to(['read', 'write', 'delete'])],
    'media/{entity_id}/*': [
      allow.entity('identity').to(['read', 'write', 'delete']),
      allow.authenticated.to(['read']),
    ],
  }),
});
