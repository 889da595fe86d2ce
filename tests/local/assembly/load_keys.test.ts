import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AssemblyError, loadBackendModel } from '../../../src/local/assembly/load_assembly.js';
import { writeAssembly as writeAssemblyFiles } from '../../fixtures/write_assembly.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const HASH = 'c'.repeat(64);

/** A one-stack cloud assembly with one bundled function asset, laid out as `cdk synth` does. */
function writeAssembly(resources: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'assembly-keys-'));
  dirs.push(dir);
  return writeAssemblyFiles(dir, { Resources: resources }, { functionHash: HASH, handlerSource: 'export const handler = async () => {};\n' });
}

const sender = { Type: 'AWS::Lambda::Function', Properties: { Code: { S3Bucket: 'a', S3Key: `${HASH}.zip` }, Handler: 'index.handler', Runtime: 'nodejs22.x' } };
const poolWith = (lambdaConfig: Record<string, unknown>) => ({
  Pool: { Type: 'AWS::Cognito::UserPool', Properties: { LambdaConfig: lambdaConfig } },
  Client: { Type: 'AWS::Cognito::UserPoolClient', Properties: { UserPoolId: { Ref: 'Pool' } } },
  Sender: sender,
  Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: {} } },
});

describe('KMS keys and custom senders in the assembly', () => {
  it('reads keys with their state, description and aliases (by key id or key ARN)', () => {
    const model = loadBackendModel(
      writeAssembly({
        Key: { Type: 'AWS::KMS::Key', Properties: { Description: 'secrets', EnableKeyRotation: true, KeyPolicy: {} } },
        Off: { Type: 'AWS::KMS::Key', Properties: { Enabled: false, KeyPolicy: {} } },
        ById: { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/app', TargetKeyId: { Ref: 'Key' } } },
        ByArn: { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/app-too', TargetKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
      }),
    );
    const [key, off] = model.keys!.keys;
    expect(key).toMatchObject({ logicalId: 'Key', description: 'secrets', enabled: true, rotationEnabled: true, keySpec: 'SYMMETRIC_DEFAULT', aliases: ['alias/app', 'alias/app-too'] });
    expect(key.keyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(key.arn).toBe(`arn:aws:kms:us-east-1:123456789012:key/${key.keyId}`);
    expect(off).toMatchObject({ enabled: false, aliases: [] });
  });

  it('reads CustomEmailSender and CustomSMSSender with the pool key, without a not-run warning', () => {
    const sender = { LambdaArn: { 'Fn::GetAtt': ['Sender', 'Arn'] }, LambdaVersion: 'V1_0' };
    const model = loadBackendModel(
      writeAssembly(poolWith({ CustomEmailSender: sender, CustomSMSSender: sender, KMSKeyID: { 'Fn::GetAtt': ['Key', 'Arn'] } })),
    );
    const pool = model.auth!.userPool;
    expect(pool.triggers).toEqual({ CustomEmailSender: 'Sender', CustomSMSSender: 'Sender' });
    expect(pool.kmsKeyArn).toBe(model.keys!.keys[0].arn);
    expect(model.warnings).toEqual([]);
  });

  it('refuses a custom sender without KMSKeyID', () => {
    const dir = writeAssembly(poolWith({ CustomEmailSender: { LambdaArn: { 'Fn::GetAtt': ['Sender', 'Arn'] }, LambdaVersion: 'V1_0' } }));
    expect(() => loadBackendModel(dir)).toThrow(AssemblyError);
    expect(() => loadBackendModel(dir)).toThrow(/KMSKeyID/);
  });
});
