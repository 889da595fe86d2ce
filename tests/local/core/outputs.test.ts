import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOutputs, checkOutputs } from '../../../src/local/outputs.js';
import { minimalModel } from '../../helpers/minimal_model.js';

const where = { endpoint: 'https://127.0.0.1:20002', caCertPath: '/proj/.amplify/local/tls/ca.pem', outputsDir: '/proj' };

describe('buildOutputs', () => {
  it('produces a schema 1.5 document without problems', () => {
    const outputs = buildOutputs(minimalModel(), where);
    expect(outputs.version).toBe('1.5');
    expect(checkOutputs(outputs)).toEqual([]);
  });

  it('describes auth from the user pool, client and identity pool', () => {
    const { auth } = buildOutputs(minimalModel(), where);
    expect(auth).toEqual({
      user_pool_id: 'us-east-1_Frame0001',
      user_pool_client_id: 'frameclient0000000000000001',
      identity_pool_id: 'us-east-1:00000000-0000-4000-8000-000000000001',
      aws_region: 'us-east-1',
      username_attributes: ['email'],
      standard_required_attributes: ['email'],
      user_verification_types: ['email'],
      mfa_configuration: 'OPTIONAL',
      mfa_methods: ['TOTP'],
      password_policy: { min_length: 10, require_lowercase: true, require_numbers: true, require_symbols: false, require_uppercase: false },
      unauthenticated_identities_enabled: true,
      groups: [{ Admins: { precedence: 0 } }],
    });
  });

  it('prefers the root stack outputs ampx would read for the list fields', () => {
    const model = minimalModel({
      stackOutputs: {
        signupAttributes: '["email","phone_number"]',
        mfaTypes: '["SMS","TOTP"]',
        verificationMechanisms: '["email"]',
        usernameAttributes: '["email"]',
        groups: '[{"Editors":{"precedence":2}}]',
        passwordlessOptions: '',
      },
    });
    const { auth } = buildOutputs(model, where);
    expect(auth?.standard_required_attributes).toEqual(['email', 'phone_number']);
    expect(auth?.mfa_methods).toEqual(['SMS', 'TOTP']);
    expect(auth?.groups).toEqual([{ Editors: { precedence: 2 } }]);
    expect(auth).not.toHaveProperty('passwordless');
  });

  it('includes OAuth only when both redirect lists are set, as ampx does', () => {
    const half = buildOutputs(minimalModel({ stackOutputs: { oauthRedirectSignIn: 'https://example.com', oauthRedirectSignOut: '' } }), where);
    expect(half.auth).not.toHaveProperty('oauth');
    const full = buildOutputs(
      minimalModel({
        stackOutputs: {
          oauthRedirectSignIn: 'myapp://in,https://a.example',
          oauthRedirectSignOut: 'myapp://out',
          oauthResponseType: 'code',
          oauthScope: '["openid","email"]',
          socialProviders: '["GOOGLE","NOT_A_PROVIDER"]',
          oauthCognitoDomain: 'd.auth.us-east-1.amazoncognito.com',
        },
      }),
      where,
    );
    expect(full.auth?.oauth).toEqual({
      identity_providers: ['GOOGLE'],
      redirect_sign_in_uri: ['myapp://in', 'https://a.example'],
      redirect_sign_out_uri: ['myapp://out'],
      response_type: 'code',
      scopes: ['openid', 'email'],
      domain: 'd.auth.us-east-1.amazoncognito.com',
    });
  });

  it('points data at the local GraphQL endpoint with the auth modes, API key and model introspection', () => {
    const { data } = buildOutputs(minimalModel(), where);
    expect(data).toEqual({
      url: 'https://127.0.0.1:20002/graphql',
      aws_region: 'us-east-1',
      default_authorization_type: 'AMAZON_COGNITO_USER_POOLS',
      authorization_types: ['AWS_IAM', 'API_KEY'],
      api_key: 'da2-frameframeframeframe01',
      model_introspection: { version: 1, models: {}, enums: {}, nonModels: {} },
    });
  });

  it('names the local buckets with their access paths', () => {
    const { storage } = buildOutputs(minimalModel(), where);
    expect(storage).toEqual({
      aws_region: 'us-east-1',
      bucket_name: 'frame.media.local',
      buckets: [{ name: 'media', bucket_name: 'frame.media.local', aws_region: 'us-east-1', paths: { 'media/*': { authenticated: ['get', 'list'] } } }],
    });
  });

  it('merges backend.addOutput sections and adds custom.local', () => {
    const outputs = buildOutputs(minimalModel(), where);
    expect(outputs.notifications).toEqual({ aws_region: 'us-east-1', amazon_pinpoint_app_id: '0123456789abcdef0123456789abcdef', channels: ['APNS'] });
    expect(outputs.custom).toEqual({
      monitoring: { dashboard_name: 'frame' },
      local: {
        endpoint: 'https://127.0.0.1:20002',
        user_pool_endpoint: 'https://127.0.0.1:20002',
        identity_pool_endpoint: 'https://127.0.0.1:20002',
        storage_endpoint: '127.0.0.1:20002',
        admin_endpoint: 'https://127.0.0.1:20002/_local',
        ca_certificate_path: '.amplify/local/tls/ca.pem',
        sts_endpoint: 'https://127.0.0.1:20002',
        developer_credentials: {
          access_key_id: 'AKIALOCALDEVELOPER01',
          secret_access_key: 'localDeveloperSecretAccessKey/0000000000',
          account_id: minimalModel().accountId,
          user_arn: `arn:aws:iam::${minimalModel().accountId}:user/local-developer`,
          region: 'us-east-1',
        },
      },
    });
  });

  it('writes the developer keys the cloud was started with', () => {
    const outputs = buildOutputs(minimalModel(), { ...where, accountKeys: { accessKeyId: 'AKIAMYOWNKEY00000000', secretAccessKey: 'my-own-secret-key' } });
    const local = outputs.custom?.local as { developer_credentials: { access_key_id: string; secret_access_key: string } };
    expect(local.developer_credentials).toMatchObject({ access_key_id: 'AKIAMYOWNKEY00000000', secret_access_key: 'my-own-secret-key' });
  });

  it('keeps the CA path absolute when it lies outside the outputs folder', () => {
    const outputs = buildOutputs(minimalModel(), { ...where, caCertPath: '/shared/ca/ca.pem' });
    expect((outputs.custom?.local as { ca_certificate_path: string }).ca_certificate_path).toBe('/shared/ca/ca.pem');
  });

  it('names the CA so that resolving it against the outputs file\'s folder finds it', () => {
    const caPath = (caCertPath: string, outputsDir: string) =>
      (buildOutputs(minimalModel(), { ...where, caCertPath, outputsDir }).custom?.local as { ca_certificate_path: string }).ca_certificate_path;
    const layouts: [string, string, string][] = [
      ['/proj/.amplify/local/tls/ca.pem', '/proj', '.amplify/local/tls/ca.pem'],
      // A folder whose name starts with two dots is still inside the outputs folder.
      ['/proj/..tls/ca.pem', '/proj', '..tls/ca.pem'],
      ['/proj/.amplify/local/tls/ca.pem', '/my-app', '/proj/.amplify/local/tls/ca.pem'],
      ['/proj/.amplify/local/tls/ca.pem', '/proj/app', '/proj/.amplify/local/tls/ca.pem'],
    ];
    for (const [caCertPath, outputsDir, expected] of layouts) {
      expect(caPath(caCertPath, outputsDir)).toBe(expected);
      expect(path.resolve(outputsDir, caPath(caCertPath, outputsDir))).toBe(caCertPath);
    }
    // A CA path relative to the current folder is written absolute, not relative to the wrong folder.
    expect(caPath('certs/ca.pem', '/elsewhere')).toBe(path.resolve('certs/ca.pem'));
  });

  it('omits the sections of a backend that has none of them', () => {
    const outputs = buildOutputs(minimalModel({ auth: undefined, data: undefined, storage: undefined, customOutputs: {} }), where);
    expect(Object.keys(outputs).sort()).toEqual(['custom', 'version']);
    expect(checkOutputs(outputs)).toEqual([]);
  });
});

describe('checkOutputs', () => {
  it('flags a missing version, missing required fields and auth keys the schema forbids', () => {
    const problems = checkOutputs({ auth: { aws_region: 'us-east-1', user_pool_id: 'x', user_pool_endpoint: 'https://h' }, data: { url: 'u' } });
    expect(problems).toEqual(
      expect.arrayContaining([
        'version must be "1.5", got undefined',
        'auth.user_pool_client_id is missing',
        'auth.user_pool_endpoint is not allowed by the 1.5 schema',
        'data.aws_region is missing',
      ]),
    );
  });
});
