import { describe, expect, it } from 'vitest';
import { AssemblyError } from '../../../src/local/assembly/errors.js';
import { NO_VALUE, Resolver } from '../../../src/local/assembly/intrinsics.js';
import { localPhysics } from '../../../src/local/assembly/physical.js';
import type { CloudAssembly, StackNode, Template } from '../../../src/local/assembly/templates.js';

/** A two-stack assembly held in memory: a root passing parameters to one nested stack. */
function assembly(rootTemplate: Template, childTemplate: Template): { asm: CloudAssembly; root: StackNode; child: StackNode } {
  const root: StackNode = { name: 'app-root', path: 'app-root', file: 'root.template.json', template: rootTemplate, children: new Map() };
  const child: StackNode = {
    name: 'app-root-Child-ABC',
    path: 'app-root/Child',
    file: 'child.nested.template.json',
    template: childTemplate,
    parent: root,
    logicalIdInParent: 'Child',
    children: new Map(),
  };
  root.children.set('Child', child);
  return { asm: { dir: '/nowhere', root, stacks: [root, child], assets: new Map() }, root, child };
}

const rootTemplate: Template = {
  Parameters: { Env: { Type: 'String', Default: 'dev' }, Names: { Type: 'CommaDelimitedList', Default: 'a,b,c' } },
  Mappings: { Sizes: { dev: { memory: '256' } } },
  Conditions: {
    IsDev: { 'Fn::Equals': [{ Ref: 'Env' }, 'dev'] },
    IsProd: { 'Fn::Not': [{ Condition: 'IsDev' }] },
    DevAndTrue: { 'Fn::And': [{ Condition: 'IsDev' }, { 'Fn::Equals': ['1', 1] }] },
    ProdOrDev: { 'Fn::Or': [{ Condition: 'IsProd' }, { Condition: 'IsDev' }] },
  },
  Resources: {
    Pool: { Type: 'AWS::Cognito::UserPool', Properties: {} },
    Items: {
      Type: 'AWS::DynamoDB::Table',
      Properties: { TableName: { 'Fn::Sub': 'items-${Env}' }, StreamSpecification: { StreamViewType: 'NEW_IMAGE' } },
    },
    ProdOnly: { Type: 'AWS::SQS::Queue', Condition: 'IsProd', Properties: {} },
    Child: {
      Type: 'AWS::CloudFormation::Stack',
      Properties: { Parameters: { PoolId: { Ref: 'Pool' }, TableArn: { 'Fn::GetAtt': ['Items', 'Arn'] } } },
    },
    LoopA: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: { Ref: 'LoopB' } } },
    LoopB: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: { Ref: 'LoopA' } } },
    Mystery: { Type: 'AWS::Mystery::Thing', Properties: {} },
  },
};

const childTemplate: Template = {
  Parameters: { PoolId: { Type: 'String' }, TableArn: { Type: 'String' }, Unset: { Type: 'String' } },
  Resources: { Fn: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.handler' } } },
  Outputs: {
    PoolRef: { Value: { 'Fn::Join': ['', ['pool=', { Ref: 'PoolId' }]] } },
    Shared: { Value: 'exported-value', Export: { Name: { 'Fn::Join': [':', [{ Ref: 'AWS::StackName' }, 'shared']] } } },
  },
};

function setup(region = 'eu-west-1') {
  const { asm, root, child } = assembly(rootTemplate, childTemplate);
  const r = new Resolver(asm, { region, accountId: '123456789012' }, localPhysics);
  const at = { stack: root, logicalId: 'Test', path: 'Prop' };
  return { r, root, child, at, resolve: (v: unknown) => r.resolve(v, at) };
}

describe('intrinsic resolver', () => {
  it('resolves pseudo parameters to the local region, account and stack', () => {
    const { resolve, child, r } = setup();
    expect(resolve({ Ref: 'AWS::Region' })).toBe('eu-west-1');
    expect(resolve({ Ref: 'AWS::AccountId' })).toBe('123456789012');
    expect(resolve({ Ref: 'AWS::Partition' })).toBe('aws');
    expect(resolve({ Ref: 'AWS::URLSuffix' })).toBe('amazonaws.com');
    expect(resolve({ Ref: 'AWS::StackName' })).toBe('app-root');
    expect(r.resolve({ Ref: 'AWS::StackName' }, { stack: child })).toBe('app-root-Child-ABC');
    expect(resolve({ Ref: 'AWS::StackId' })).toMatch(/^arn:aws:cloudformation:eu-west-1:123456789012:stack\/app-root\/[0-9a-f-]{36}$/);
  });

  it('resolves parameter defaults, list parameters and values a parent passes to a nested stack', () => {
    const { resolve, r, child } = setup();
    expect(resolve({ Ref: 'Env' })).toBe('dev');
    expect(resolve({ Ref: 'Names' })).toEqual(['a', 'b', 'c']);
    const poolId = resolve({ Ref: 'Pool' });
    expect(poolId).toMatch(/^eu-west-1_[A-Za-z0-9]{9}$/);
    expect(r.resolve({ Ref: 'PoolId' }, { stack: child })).toBe(poolId);
    expect(r.resolve({ Ref: 'TableArn' }, { stack: child })).toBe('arn:aws:dynamodb:eu-west-1:123456789012:table/items-dev');
  });

  it('reads nested stack outputs through Fn::GetAtt Outputs.X', () => {
    const { resolve } = setup();
    expect(resolve({ 'Fn::GetAtt': ['Child', 'Outputs.PoolRef'] })).toBe(`pool=${String(resolve({ Ref: 'Pool' }))}`);
    expect(resolve({ 'Fn::GetAtt': 'Child.Outputs.PoolRef' })).toMatch(/^pool=eu-west-1_/);
  });

  it('evaluates Join, Select and Split the way generated templates extract a table name from its ARN', () => {
    const { resolve } = setup();
    const tableName = {
      'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::Select': [5, { 'Fn::Split': [':', { 'Fn::GetAtt': ['Items', 'Arn'] }] }] }] }],
    };
    expect(resolve(tableName)).toBe('items-dev');
    expect(resolve({ 'Fn::Join': ['-', ['a', { Ref: 'Env' }, 3]] })).toBe('a-dev-3');
    expect(resolve({ 'Fn::GetAtt': ['Items', 'StreamArn'] })).toBe(
      'arn:aws:dynamodb:eu-west-1:123456789012:table/items-dev/stream/1970-01-01T00:00:00.000',
    );
  });

  it('substitutes Fn::Sub variables, parameters, attributes and keeps ${!Literal} escapes verbatim', () => {
    const { resolve } = setup();
    expect(resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::b/${!cognito-identity.amazonaws.com:sub}/*' })).toBe(
      'arn:aws:s3:::b/${cognito-identity.amazonaws.com:sub}/*',
    );
    expect(resolve({ 'Fn::Sub': ['${Env}-${x}-${Items.Arn}', { x: { 'Fn::Join': ['', ['y', 'z']] } }] })).toBe(
      'dev-yz-arn:aws:dynamodb:eu-west-1:123456789012:table/items-dev',
    );
  });

  it('evaluates conditions and drops AWS::NoValue from objects and lists', () => {
    const { resolve, r, root } = setup();
    expect(resolve({ 'Fn::If': ['IsDev', 'yes', 'no'] })).toBe('yes');
    expect(resolve({ 'Fn::If': ['IsProd', 'yes', 'no'] })).toBe('no');
    expect(resolve({ 'Fn::If': ['DevAndTrue', 1, 2] })).toBe(1);
    expect(resolve({ 'Fn::If': ['ProdOrDev', 1, 2] })).toBe(1);
    expect(resolve({ a: 1, b: { 'Fn::If': ['IsDev', { Ref: 'AWS::NoValue' }, 2] } })).toEqual({ a: 1 });
    expect(resolve(['x', { Ref: 'AWS::NoValue' }, 'y'])).toEqual(['x', 'y']);
    expect(resolve({ Ref: 'AWS::NoValue' })).toBe(NO_VALUE);
    expect(r.exists(root, 'ProdOnly')).toBe(false);
    expect(r.resources('AWS::SQS::Queue')).toEqual([]);
  });

  it('supports FindInMap, ImportValue, Base64, GetAZs and ToJsonString', () => {
    const { resolve } = setup();
    expect(resolve({ 'Fn::FindInMap': ['Sizes', { Ref: 'Env' }, 'memory'] })).toBe('256');
    expect(resolve({ 'Fn::ImportValue': 'app-root-Child-ABC:shared' })).toBe('exported-value');
    expect(resolve({ 'Fn::Base64': 'hi' })).toBe('aGk=');
    expect(resolve({ 'Fn::GetAZs': '' })).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    expect(resolve({ 'Fn::ToJsonString': { k: { Ref: 'Env' } } })).toBe('{"k":"dev"}');
  });

  it('gives the same ids to the same logical ids in every load', () => {
    const a = setup();
    const b = setup();
    expect(a.resolve({ Ref: 'Pool' })).toBe(b.resolve({ Ref: 'Pool' }));
    expect(a.resolve({ 'Fn::GetAtt': ['Child', 'Outputs.PoolRef'] })).toBe(b.resolve({ 'Fn::GetAtt': ['Child', 'Outputs.PoolRef'] }));
  });
});

describe('intrinsic resolver errors', () => {
  function failure(value: unknown): AssemblyError {
    const { resolve } = setup();
    try {
      resolve(value);
    } catch (err) {
      expect(err).toBeInstanceOf(AssemblyError);
      return err as AssemblyError;
    }
    throw new Error(`expected ${JSON.stringify(value)} to fail`);
  }

  it('names the stack, logical id, property and intrinsic of an unknown Ref', () => {
    const err = failure({ Ref: 'Nope' });
    expect(err.message).toContain('{"Ref":"Nope"}');
    expect(err.message).toContain('stack app-root (root.template.json)');
    expect(err.message).toContain('logical id Test');
    expect(err.message).toContain('property Prop');
    expect(err.stackName).toBe('app-root');
    expect(err.logicalId).toBe('Test');
    expect(err.resolution).toContain('remove or change it');
  });

  it('rejects an attribute CloudFormation does not document for a type it knows', () => {
    expect(failure({ 'Fn::GetAtt': ['Pool', 'NoSuchAttribute'] }).message).toMatch(/attribute NoSuchAttribute of AWS::Cognito::UserPool is not known/);
  });

  it('gives a resource of a type it does not know placeholders shaped like the real values', () => {
    const { resolve } = setup();
    expect(resolve({ 'Fn::GetAtt': ['Mystery', 'Arn'] })).toMatch(/^arn:aws:mystery:eu-west-1:123456789012:thing\/app-root-Mystery-[A-Z0-9]{12}$/);
    expect(resolve({ 'Fn::GetAtt': ['Mystery', 'ThingId'] })).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(resolve({ Ref: 'Mystery' })).toMatch(/^app-root-Mystery-[A-Z0-9]{12}$/);
    expect(resolve({ 'Fn::GetAtt': ['Mystery', 'Arn'] })).toBe(setup().resolve({ 'Fn::GetAtt': ['Mystery', 'Arn'] }));
  });

  it('rejects unsupported functions, unknown Sub variables and missing outputs', () => {
    expect(failure({ 'Fn::Cidr': ['10.0.0.0/16', 2, 8] }).message).toMatch(/Fn::Cidr is not supported/);
    expect(failure({ 'Fn::Sub': 'x-${Missing}' }).message).toMatch(/\$\{Missing\} names no variable/);
    expect(failure({ 'Fn::GetAtt': ['Child', 'Outputs.Absent'] }).message).toMatch(/has no output Absent/);
    expect(failure({ 'Fn::ImportValue': 'nobody-exports-this' }).message).toMatch(/no stack of the assembly exports/);
    expect(failure({ 'Fn::Select': [9, ['a']] }).message).toMatch(/index 9 is outside/);
  });

  it('rejects references to resources whose condition is false', () => {
    expect(failure({ Ref: 'ProdOnly' }).message).toMatch(/not created \(its Condition is false\)/);
  });

  it('reports a reference cycle instead of recursing forever', () => {
    expect(failure({ Ref: 'LoopA' }).message).toMatch(/circular reference/);
  });

  it('reports a nested parameter nobody passes and that has no default', () => {
    const { r, child } = setup();
    expect(() => r.resolve({ Ref: 'Unset' }, { stack: child, logicalId: 'Fn' })).toThrow(/parameter Unset has no value/);
  });
});
