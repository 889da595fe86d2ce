import '../../helpers/polyfills.js';
import { Amplify } from 'aws-amplify';
import { describe, expect, it, vi } from 'vitest';
import { configureAmplify, localEndpoints, storageOptions, withStorageEndpoint } from '../../../src/client/index.js';
import { buildOutputs } from '../../../src/local/outputs.js';
import { minimalModel } from '../../helpers/minimal_model.js';

const local = buildOutputs(minimalModel(), { endpoint: 'https://127.0.0.1:20555', caCertPath: '/x/ca.pem' });

describe('configureAmplify', () => {
  it('sets the Cognito endpoints that Amplify.configure does not read from the file', () => {
    configureAmplify(local as Parameters<typeof configureAmplify>[0]);
    const cognito = Amplify.getConfig().Auth?.Cognito;
    expect(cognito?.userPoolEndpoint).toBe('https://127.0.0.1:20555');
    expect(cognito?.identityPoolEndpoint).toBe('https://127.0.0.1:20555');
    expect(cognito?.userPoolId).toBe('us-east-1_Frame0001');
    expect(cognito?.identityPoolId).toBe('us-east-1:00000000-0000-4000-8000-000000000001');
    expect(Amplify.getConfig().API?.GraphQL?.endpoint).toBe('https://127.0.0.1:20555/graphql');
    expect(Amplify.getConfig().Storage?.S3?.bucket).toBe('frame.media.local');
  });

  it('gives Storage calls the host:port custom endpoint', () => {
    configureAmplify(local as Parameters<typeof configureAmplify>[0]);
    expect(storageOptions()).toEqual({ customEndpoint: '127.0.0.1:20555' });
    expect(withStorageEndpoint({ accessLevel: 'guest' })).toEqual({ accessLevel: 'guest', customEndpoint: '127.0.0.1:20555' });
  });

  it('makes aws-amplify log exactly the two custom-endpoint warnings the README calls harmless, once each', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      configureAmplify(local as Parameters<typeof configureAmplify>[0]);
      const lines = warn.mock.calls.map((args) => args.map(String).join(' '));
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/Auth - You are using a custom Amazon Amazon Cognito User Pool endpoint, ensure the endpoint is correct\.$/);
      expect(lines[1]).toMatch(/Auth - You are using a custom Amazon Amazon Cognito Identity Pool endpoint, ensure the endpoint is correct\.$/);
      warn.mockClear();
      const { custom: _custom, ...deployed } = local;
      configureAmplify(deployed as Parameters<typeof configureAmplify>[0]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('leaves deployed outputs untouched', () => {
    const { custom: _custom, ...deployed } = local;
    configureAmplify(deployed as Parameters<typeof configureAmplify>[0]);
    expect(Amplify.getConfig().Auth?.Cognito?.userPoolEndpoint).toBeUndefined();
    expect(storageOptions()).toEqual({});
  });
});

describe('localEndpoints', () => {
  it('is undefined for outputs without custom.local', () => {
    expect(localEndpoints({ version: '1.5' })).toBeUndefined();
    expect(localEndpoints({ custom: { local: { endpoint: 5 } } })).toBeUndefined();
  });
});
