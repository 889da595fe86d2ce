import { describe, expect, it } from 'vitest';
import { changedServices, differingParts } from '../../../src/local/reload/model_diff.js';
import { SERVICE_NAMES } from '../../../src/local/core/service.js';
import { minimalModel } from '../../helpers/minimal_model.js';

const base = minimalModel({ assemblyDir: '/cache/aaaa' });

function fn(codeDir: string) {
  return {
    logicalId: 'Fn',
    functionName: 'fn-local',
    handler: 'index.handler',
    runtime: 'nodejs20.x',
    timeoutSeconds: 3,
    memoryMB: 128,
    environment: {},
    codeDir,
    arn: 'arn:aws:lambda:us-east-1:123456789012:function:fn-local',
  };
}

describe('changedServices', () => {
  it('finds nothing changed in a model re-synthesized into another folder with the same content', () => {
    const a = minimalModel({ assemblyDir: '/cache/aaaa', functions: [fn('/cache/aaaa/asset.123')] });
    const b = minimalModel({ assemblyDir: '/cache/bbbb', functions: [fn('/cache/bbbb/asset.123')] });
    expect(changedServices(a, b, SERVICE_NAMES)).toEqual([]);
    expect(differingParts(a, b).size).toBe(0);
  });

  it("sees a function whose code folder (named by the bundle's hash) changed", () => {
    const a = minimalModel({ assemblyDir: '/cache/aaaa', functions: [fn('/cache/aaaa/asset.123')] });
    const b = minimalModel({ assemblyDir: '/cache/bbbb', functions: [fn('/cache/bbbb/asset.456')] });
    const changed = changedServices(a, b, SERVICE_NAMES).map((c) => c.name);
    expect(changed).toContain('functions');
    expect(changed).not.toContain('auth');
    expect(changed).not.toContain('data');
  });

  it('names the data service, and storage (it serves the model introspection), for a schema change only', () => {
    const next = minimalModel({ assemblyDir: '/cache/bbbb', data: { ...base.data!, schema: 'type Query { ping: String, pong: Int }' } });
    expect(changedServices(base, next, SERVICE_NAMES)).toEqual([
      { name: 'data', parts: ['data'] },
      { name: 'storage', parts: ['data'] },
    ]);
  });

  it('names every service reading auth for a password policy change', () => {
    const pool = base.auth!.userPool;
    const next = minimalModel({ auth: { ...base.auth!, userPool: { ...pool, passwordPolicy: { ...pool.passwordPolicy, minimumLength: 14 } } } });
    const changed = changedServices(base, next, SERVICE_NAMES).map((c) => c.name);
    expect(changed).toEqual(expect.arrayContaining(['auth', 'data', 'identity', 'storage', 'sts']));
    expect(changed).not.toContain('functions');
    expect(changed).not.toContain('queues');
  });

  it('names every service when the region changes', () => {
    expect(changedServices(base, minimalModel({ region: 'eu-west-1' }), SERVICE_NAMES).map((c) => c.name)).toEqual([...SERVICE_NAMES]);
  });

  it('ignores parts only the outputs read (custom outputs)', () => {
    const next = minimalModel({ customOutputs: { version: '1.4', custom: { other: true } } });
    expect(changedServices(base, next, SERVICE_NAMES)).toEqual([]);
    expect([...differingParts(base, next)]).toEqual(['customOutputs']);
  });

  it('sees a part that appears or disappears', () => {
    const { storage: _gone, ...rest } = base;
    expect(changedServices(base, { ...rest }, ['storage', 'auth'])).toEqual([{ name: 'storage', parts: ['storage'] }]);
  });
});
