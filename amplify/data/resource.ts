import { a, defineData, type ClientSchema } from '@aws-amplify/backend';
import { postConfirmation } from '../auth/post-confirmation/resource.js';
import { postProcessor } from '../functions/post-processor/resource.js';

const schema = a
  .schema({
    PostStatus: a.enum(['PENDING', 'PUBLISHED', 'FLAGGED']),
    DevicePlatform: a.enum(['APNS', 'FCM']),

    UserProfile: a
      .model({
        displayName: a.string().required(),
        givenName: a.string(),
        familyName: a.string(),
        avatarKey: a.string(),
      })
      .authorization((allow) => [allow.owner(), allow.authenticated().to(['read'])]),

    Post: a
      .model({
        title: a.string().required(),
        content: a.string().required(),
        imageKey: a.string(),
        status: a.ref('PostStatus'),
        moderationReason: a.string(),
        comments: a.hasMany('Comment', 'postId'),
      })
      .authorization((allow) => [allow.owner(), allow.authenticated().to(['read'])]),

    Comment: a
      .model({
        postId: a.id().required(),
        post: a.belongsTo('Post', 'postId'),
        content: a.string().required(),
      })
      .secondaryIndexes((index) => [index('postId').queryField('listCommentsByPost')])
      .authorization((allow) => [allow.owner(), allow.authenticated().to(['read'])]),

    Device: a
      .model({
        token: a.string().required(),
        platform: a.ref('DevicePlatform').required(),
      })
      .authorization((allow) => [allow.owner()]),

    processPost: a
      .mutation()
      .arguments({ postId: a.id().required() })
      .returns(a.ref('Post'))
      // Every signed-in user may call it; the handler allows only the post's owner.
      .authorization((allow) => [allow.authenticated()])
      .handler(a.handler.function(postProcessor)),
  })
  .authorization((allow) => [allow.resource(postProcessor), allow.resource(postConfirmation)]);

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
