import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../../src/local/assembly/load_assembly.js';
import { identityPoolById, identityPoolsOf, userPoolById, userPoolOfClient, userPoolsOf, type BackendModel } from '../../../src/local/assembly/model.js';
import { getFixtureAssembly } from '../../fixtures/assembly.js';

let model: BackendModel;
let partners: { userPoolId: string; clientId: string; identityPoolId: string };

beforeAll(async () => {
  model = loadBackendModel(await getFixtureAssembly('two-pools'), { region: 'us-east-1' });
  partners = (model.customOutputs.custom as { partners: typeof partners }).partners;
});

describe('loadBackendModel on a backend with a raw CDK user pool next to defineAuth', () => {
  it("keeps defineAuth's pool primary and loads the other with its own client, group and password policy", () => {
    const [primary, second] = userPoolsOf(model);
    expect(model.auth!.userPool).toBe(primary.userPool);
    expect(primary.userPool.id).toBe(model.stackOutputs.userPoolId);
    expect(primary.userPool.usernameAttributes).toEqual(['email']);
    expect(second.userPool.id).toBe(partners.userPoolId);
    expect(second.userPool.usernameAttributes).toEqual([]);
    expect(second.userPool.passwordPolicy).toMatchObject({ minimumLength: 10, requireSymbols: false });
    expect(second.userPool.groups.map((g) => g.name)).toEqual(['Reviewers']);
    expect(second.userPool.schema.find((a) => a.name === 'email')?.required).toBe(true);
    expect(userPoolOfClient(model, partners.clientId)?.userPool.id).toBe(partners.userPoolId);
    expect(userPoolById(model, partners.userPoolId)).toBe(second);
    expect(userPoolById(model, 'us-east-1_NoSuchPol')).toBeUndefined();
  });

  it('loads both identity pools, each with its own providers and roles', () => {
    const [primary, second] = identityPoolsOf(model);
    expect(model.auth!.identityPool).toBe(primary);
    expect(primary.providers.map((p) => p.userPoolId)).toEqual([model.auth!.userPool.id]);
    expect(identityPoolById(model, partners.identityPoolId)).toBe(second);
    expect(second).toMatchObject({ allowUnauthenticated: false, providers: [{ userPoolId: partners.userPoolId, clientId: partners.clientId }] });
    expect(model.iam.roles.map((r) => r.arn)).toContain(second.authenticatedRoleArn);
  });

  it("reads the API's OIDC provider: the second pool's Cognito issuer and the TTLs in ms", () => {
    expect(model.data!.additionalAuthModes).toContain('OPENID_CONNECT');
    expect(model.data!.openIdConnect).toEqual({
      issuer: `https://cognito-idp.us-east-1.amazonaws.com/${partners.userPoolId}`,
      clientId: undefined,
      iatTtlMs: 3_600_000,
      authTtlMs: 3_600_000,
    });
  });
});
