import { a, defineData, type ClientSchema } from '@aws-amplify/backend';
import { postConfirmation } from '../auth/post-confirmation/resource.js';
import { postProcessor } from '../functions/post-processor/resource.js';

/*
 * Field-level rules, and why each model declares `id` and `owner`:
 * - `owner` is read/delete-only for the owner, so nobody can hand a record to another user (the
 *   transformer's "owners may reassign ownership" warning). The API fills it in on create.
 * - Once a model has a field-level rule, the transformer only lets users write the fields it can
 *   see in the model, so `id` is declared to keep client-chosen ids working.
 * - `status` and `moderationReason` are written by the post-processor only (IAM, allow.resource).
 *   Owners keep `delete` on them because a user-pool delete of a Post needs delete on every field;
 *   it also lets them null the fields, which never makes a post PUBLISHED.
 */
const ownerField = () =>
  a.string().authorization((allow) => [allow.owner().to(['read', 'delete']), allow.authenticated().to(['read'])]);

const schema = a
  .schema({
    PostStatus: a.enum(['PENDING', 'PUBLISHED', 'FLAGGED']),
    DevicePlatform: a.enum(['APNS', 'FCM']),

    UserProfile: a
      .model({
        id: a.id().required(),
        displayName: a.string().required(),
        givenName: a.string(),
        familyName: a.string(),
        avatarKey: a.string(),
        owner: ownerField(),
      })
      .authorization((allow) => [allow.owner(), allow.authenticated().to(['read'])]),

    Post: a
      .model({
        id: a.id().required(),
        title: a.string().required(),
        content: a.string().required(),
        imageKey: a.string(),
        // New posts start PENDING: data-schema has no default for enum fields, see post_status_default.ts.
        status: a
          .ref('PostStatus')
          .authorization((allow) => [allow.owner().to(['read', 'delete']), allow.authenticated().to(['read'])]),
        moderationReason: a
          .string()
          .authorization((allow) => [allow.owner().to(['read', 'delete']), allow.authenticated().to(['read'])]),
        comments: a.hasMany('Comment', 'postId'),
        owner: ownerField(),
      })
      .authorization((allow) => [allow.owner(), allow.authenticated().to(['read'])]),

    Comment: a
      .model({
        id: a.id().required(),
        postId: a.id().required(),
        post: a.belongsTo('Post', 'postId'),
        content: a.string().required(),
        owner: ownerField(),
      })
      .secondaryIndexes((index) => [index('postId').queryField('listCommentsByPost')])
      .authorization((allow) => [allow.owner(), allow.authenticated().to(['read'])]),

    Device: a
      .model({
        id: a.id().required(),
        token: a.string().required(),
        platform: a.ref('DevicePlatform').required(),
        owner: a.string().authorization((allow) => [allow.owner().to(['read', 'delete'])]),
      })
      // The post-processor finds a user's devices with a query on this index instead of a scan.
      .secondaryIndexes((index) => [index('owner').queryField('listDevicesByOwner')])
      .authorization((allow) => [allow.owner()]),

    processPost: a
      .mutation()
      .arguments({ postId: a.id().required() })
      .returns(a.ref('Post'))
      // Every signed-in user may call it; the handler allows only the post's owner.
      .authorization((allow) => [allow.authenticated()])
      .handler(a.handler.function(postProcessor)),
  })
  // Functions reach the API with IAM: the post-processor reads and writes, post-confirmation only creates.
  .authorization((allow) => [
    allow.resource(postProcessor).to(['query', 'mutate']),
    allow.resource(postConfirmation).to(['mutate']),
  ]);

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'userPool',
  },
  logging: {
    fieldLogLevel: 'error',
    retention: '1 month',
    excludeVerboseContent: true,
  },
});
