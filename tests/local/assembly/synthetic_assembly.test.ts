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

/**
 * Writes a minimal cloud assembly: one root stack, optionally one nested stack, and one bundled
 * function asset (`asset.<hash>/index.mjs`), laid out as `cdk synth` does.
 */
function writeAssembly(root: object, nested?: object): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'assembly-errors-'));
  dirs.push(dir);
  return writeAssemblyFiles(dir, root, { functionHash: 'a'.repeat(64), handlerSource: 'export const handler = async () => 1;\n', nested });
}

const fn = (env: Record<string, unknown>) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Code: { S3Bucket: 'assets', S3Key: `${'a'.repeat(64)}.zip` }, Handler: 'index.handler', Runtime: 'nodejs22.x', Environment: { Variables: env } },
});

function loadError(dir: string): AssemblyError {
  try {
    loadBackendModel(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(AssemblyError);
    return err as AssemblyError;
  }
  throw new Error('expected the load to fail');
}

describe('loadBackendModel on hand-written assemblies', () => {
  it('loads a minimal assembly with one function', () => {
    const dir = writeAssembly({
      Resources: { Fn: fn({ A: { 'Fn::Join': ['-', [{ Ref: 'AWS::Region' }, 'x']] } }) },
      Outputs: { definedFunctions: { Value: { 'Fn::Join': ['', ['["', { Ref: 'Fn' }, '"]']] } } },
    });
    const model = loadBackendModel(dir);
    expect(model.functions).toHaveLength(1);
    expect(model.functions[0].environment).toEqual({ A: 'us-east-1-x' });
    expect(model.functions[0].codeDir).toBe(path.join(dir, `asset.${'a'.repeat(64)}`));
    expect(model.auth).toBeUndefined();
    expect(model.data).toBeUndefined();
  });

  it('tells user functions from custom-resource machinery without a definedFunctions output', () => {
    const tagged = fn({});
    (tagged.Properties as Record<string, unknown>).Tags = [{ Key: 'amplify:friendly-name', Value: 'worker' }];
    const dir = writeAssembly({
      Resources: {
        Worker: tagged,
        Custom: fn({}),
        Provider: fn({}),
        Thing: { Type: 'Custom::Thing', Properties: { ServiceToken: { 'Fn::GetAtt': ['Provider', 'Arn'] } } },
      },
    });
    const model = loadBackendModel(dir);
    expect(model.functions.map((f) => [f.logicalId, f.friendlyName])).toEqual([
      ['Worker', 'worker'],
      ['Custom', undefined],
    ]);
    expect(model.internalFunctions!.map((f) => [f.logicalId, f.internal])).toEqual([['Provider', true]]);
  });

  it('resolves Gen 2 SSM variables from the assembly and lists secrets it cannot resolve', () => {
    const config = JSON.stringify({ DATA_URL: { path: '/amplify/p/DATA_URL' }, API_TOKEN: { path: '/amplify/p/API_TOKEN', sharedPath: '/amplify/shared/API_TOKEN' } });
    const placeholder = '<value will be resolved during runtime>';
    const dir = writeAssembly({
      Resources: {
        Fn: fn({ AMPLIFY_SSM_ENV_CONFIG: config, DATA_URL: placeholder, API_TOKEN: placeholder }),
        Param: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/amplify/p/DATA_URL', Type: 'String', Value: { 'Fn::Sub': 'https://${AWS::Region}.example' } } },
      },
      Outputs: { definedFunctions: { Value: { 'Fn::Join': ['', ['["', { Ref: 'Fn' }, '"]']] } } },
    });
    const [f] = loadBackendModel(dir).functions;
    expect(f.environment.DATA_URL).toBe('https://us-east-1.example');
    expect(f.environment.API_TOKEN).toBe(placeholder);
    expect(JSON.parse(f.environment.AMPLIFY_SSM_ENV_CONFIG)).toEqual({ API_TOKEN: { path: '/amplify/p/API_TOKEN', sharedPath: '/amplify/shared/API_TOKEN' } });
    expect(f.ssmEnvironment).toEqual({ DATA_URL: { path: '/amplify/p/DATA_URL', value: 'https://us-east-1.example' } });
    expect(f.secrets).toEqual([{ name: 'API_TOKEN', variable: 'API_TOKEN', path: '/amplify/p/API_TOKEN', sharedPath: '/amplify/shared/API_TOKEN' }]);
  });

  it('reads bucket notifications of AWS::S3::Bucket and Custom::S3BucketNotifications, with their filters and ids', () => {
    const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
    const dir = writeAssembly({
      Resources: {
        Thumbs: fn({}),
        Audit: fn({}),
        Bucket: {
          Type: 'AWS::S3::Bucket',
          Properties: {
            NotificationConfiguration: {
              LambdaConfigurations: [
                {
                  Event: 's3:ObjectCreated:Put',
                  Function: arn('Thumbs'),
                  Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'uploads/' }, { Name: 'Suffix', Value: '.png' }] } },
                },
              ],
              QueueConfigurations: [{ Event: 's3:ObjectCreated:*', Queue: 'arn:aws:sqs:us-east-1:123456789012:q' }],
            },
          },
        },
        Notifications: {
          Type: 'Custom::S3BucketNotifications',
          Properties: {
            ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:handler',
            BucketName: { Ref: 'Bucket' },
            NotificationConfiguration: {
              LambdaFunctionConfigurations: [
                { Id: 'audit-deletes', Events: ['s3:ObjectRemoved:Delete', 's3:ObjectRemoved:DeleteMarkerCreated'], LambdaFunctionArn: arn('Audit'), Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'docs/' }] } } },
              ],
            },
          },
        },
      },
      Outputs: { definedFunctions: { Value: { 'Fn::Join': ['', ['["', { Ref: 'Thumbs' }, '","', { Ref: 'Audit' }, '"]']] } } },
    });
    const model = loadBackendModel(dir);
    const [bucket] = model.storage!.buckets;
    expect(bucket.notifications).toEqual([
      { id: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/), events: ['s3:ObjectCreated:Put'], prefix: 'uploads/', suffix: '.png', functionArn: model.functions[0].arn, functionLogicalId: 'Thumbs' },
      { id: 'audit-deletes', events: ['s3:ObjectRemoved:Delete', 's3:ObjectRemoved:DeleteMarkerCreated'], prefix: 'docs/', functionArn: model.functions[1].arn, functionLogicalId: 'Audit' },
    ]);
    expect(model.warnings!.some((w) => w.includes('QueueConfigurations') && w.includes('not emulated'))).toBe(true);
  });

  it('names the stack, resource, property and intrinsic a function environment cannot resolve', () => {
    const dir = writeAssembly({
      Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: {} }, Fn: fn({ QUEUE: { 'Fn::GetAtt': ['Queue', 'Bogus'] } }) },
    });
    const err = loadError(dir);
    expect(err.message).toContain('{"Fn::GetAtt":["Queue","Bogus"]}');
    expect(err.message).toContain('stack app (app.template.json)');
    expect(err.message).toContain('logical id Fn');
    expect(err.message).toContain('property Environment.Variables.QUEUE');
    expect(err.message).toContain('attribute Bogus of AWS::SQS::Queue is not known');
  });

  it('rejects a trigger that points at a function outside the assembly', () => {
    const dir = writeAssembly({
      Resources: {
        Pool: { Type: 'AWS::Cognito::UserPool', Properties: { LambdaConfig: { PreSignUp: 'arn:aws:lambda:us-east-1:999999999999:function:elsewhere' } } },
        Client: { Type: 'AWS::Cognito::UserPoolClient', Properties: { UserPoolId: { Ref: 'Pool' } } },
      },
    });
    expect(loadError(dir).message).toMatch(/PreSignUp trigger names arn:aws:lambda:.*elsewhere, which is no function of this backend/);
  });

  it('reports an unresolvable nested-stack output with the nested stack named', () => {
    const root = {
      Resources: {
        Child: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: `https://s3.amazonaws.com/bucket/${'b'.repeat(64)}.json` } },
      },
      Outputs: { broken: { Value: { 'Fn::GetAtt': ['Child', 'Outputs.Out'] } } },
    };
    const nested = { Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: {} } }, Outputs: { Out: { Value: { 'Fn::GetAtt': ['Topic', 'Nope'] } } } };
    const err = loadError(writeAssembly(root, nested));
    expect(err.message).toContain('appChild.nested.template.json');
    expect(err.message).toContain('logical id Outputs.Out');
    expect(err.message).toContain('{"Fn::GetAtt":["Topic","Nope"]}');
  });

  it('reports a nested stack whose template is not in the assembly', () => {
    const dir = writeAssembly({
      Resources: { Child: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: `https://s3.amazonaws.com/bucket/${'c'.repeat(64)}.json` } } },
    });
    expect(loadError(dir).message).toMatch(/Nested stack Child in stack app .*does not map to a template file/);
  });

  it('reports a folder that is not a cloud assembly', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'assembly-errors-'));
    dirs.push(dir);
    const err = loadError(dir);
    expect(err.message).toMatch(/Cannot read cloud assembly manifest/);
    expect(err.resolution).toMatch(/Synthesize/);
  });
});
