import type { BackendModel } from '../../src/local/assembly/model.js';

/**
 * A hand-built BackendModel with auth, data and storage, for frame tests that need no synthesis.
 * Shapes follow src/local/assembly/model.ts; values are what a small Gen 2 backend would produce.
 */
export function minimalModel(overrides: Partial<BackendModel> = {}): BackendModel {
  return {
    stackName: 'amplify-frame-test-sandbox-0000000000',
    region: 'us-east-1',
    accountId: '123456789012',
    assemblyDir: '/nonexistent',
    auth: {
      userPool: {
        logicalId: 'UserPool',
        id: 'us-east-1_Frame0001',
        name: 'framePool',
        usernameAttributes: ['email'],
        aliasAttributes: [],
        autoVerifiedAttributes: ['email'],
        schema: [
          { name: 'email', required: true, mutable: true, dataType: 'String' },
          { name: 'custom:tier', required: false, mutable: true, dataType: 'String' },
        ],
        passwordPolicy: {
          minimumLength: 10,
          requireLowercase: true,
          requireUppercase: false,
          requireNumbers: true,
          requireSymbols: false,
          temporaryPasswordValidityDays: 7,
        },
        mfaConfiguration: 'OPTIONAL',
        enabledMfas: ['SOFTWARE_TOKEN_MFA'],
        accountRecovery: ['verified_email'],
        verificationMessage: {},
        triggers: {},
        adminCreateUserOnly: false,
        groups: [{ name: 'Admins', precedence: 0 }],
      },
      clients: [
        {
          logicalId: 'Client',
          id: 'frameclient0000000000000001',
          name: 'web',
          accessTokenValidityMinutes: 60,
          idTokenValidityMinutes: 60,
          refreshTokenValidityMinutes: 43200,
          explicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
          enableTokenRevocation: true,
          preventUserExistenceErrors: true,
        },
      ],
      defaultClientId: 'frameclient0000000000000001',
      identityPool: {
        logicalId: 'IdentityPool',
        id: 'us-east-1:00000000-0000-4000-8000-000000000001',
        name: 'frameIdentities',
        allowUnauthenticated: true,
        providers: [{ userPoolId: 'us-east-1_Frame0001', clientId: 'frameclient0000000000000001' }],
      },
    },
    data: {
      apiLogicalId: 'Api',
      apiId: 'frameapi00000000000000001',
      name: 'frameApi',
      defaultAuthMode: 'AMAZON_COGNITO_USER_POOLS',
      additionalAuthModes: ['AWS_IAM', 'API_KEY'],
      apiKey: 'da2-frameframeframeframe01',
      schema: 'type Query { ping: String }',
      modelIntrospection: { version: 1, models: {}, enums: {}, nonModels: {} },
      resolvers: [],
      functions: [],
      dataSources: [],
      tables: [],
    },
    storage: {
      buckets: [
        {
          logicalId: 'Bucket',
          friendlyName: 'media',
          bucketName: 'frame.media.local',
          isDefault: true,
          versioned: false,
          paths: { 'media/*': { authenticated: ['get', 'list'] } },
          arn: 'arn:aws:s3:::frame.media.local',
        },
      ],
    },
    functions: [],
    eventSourceMappings: [],
    iam: { roles: [] },
    messaging: { pinpointApps: [], kinesisStreams: [] },
    stackOutputs: {},
    customOutputs: {
      version: '1.4',
      notifications: { aws_region: 'us-east-1', amazon_pinpoint_app_id: '0123456789abcdef0123456789abcdef', channels: ['APNS'] },
      custom: { monitoring: { dashboard_name: 'frame' } },
    },
    ...overrides,
  };
}
