import { describe, expect, it } from 'vitest';
import { parse, valueFromASTUntyped, type ObjectTypeDefinitionNode, type EnumTypeDefinitionNode, type DirectiveNode } from 'graphql';
import type { IConstruct } from 'constructs';
import { POST_STATUS_DEFAULT_FUNCTION } from '../../../amplify/data/post_status_default.js';
import { logicalIdOf, resourcesOfType, traceValue, type Json, type SynthesizedBackend } from '../synth.js';

interface AuthRule {
  allow: string;
  operations?: string[];
}

/** The data model as written (the pre-transform schema Amplify uploads for codegen). */
function modelSchema(s: SynthesizedBackend) {
  const doc = parse(s.assemblyFile('model-schema.graphql'));
  const types = new Map<string, ObjectTypeDefinitionNode>();
  const enums = new Map<string, string[]>();
  for (const def of doc.definitions) {
    if (def.kind === 'ObjectTypeDefinition') types.set(def.name.value, def);
    if (def.kind === 'EnumTypeDefinition') {
      enums.set(def.name.value, ((def as EnumTypeDefinitionNode).values ?? []).map((v) => v.name.value));
    }
  }
  const args = (d: DirectiveNode | undefined) =>
    Object.fromEntries((d?.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)])) as Json;
  const type = (name: string) => {
    const t = types.get(name);
    if (!t) throw new Error(`no type ${name} in the schema`);
    const directive = (n: string) => t.directives?.find((d) => d.name.value === n);
    const fields = new Map((t.fields ?? []).map((f) => [f.name.value, f]));
    return {
      isModel: Boolean(directive('model')),
      rules: (args(directive('auth')).rules ?? []) as AuthRule[],
      /** Field name → GraphQL type as written (`String!`, `[Comment]`, `PostStatus`). */
      fields: Object.fromEntries([...fields].map(([n, f]) => [n, printType(f.type)])),
      fieldRules: (field: string) =>
        (args(fields.get(field)?.directives?.find((d) => d.name.value === 'auth')).rules ?? null) as AuthRule[] | null,
      fieldDirective: (field: string, n: string) => {
        const d = fields.get(field)?.directives?.find((x) => x.name.value === n);
        return d ? args(d) : null;
      },
      field: (n: string) => fields.get(n),
    };
  };
  return { type, enums };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function printType(t: any): string {
  if (t.kind === 'NonNullType') return `${printType(t.type)}!`;
  if (t.kind === 'ListType') return `[${printType(t.type)}]`;
  return t.name.value;
}

const OWNER_CRUD = { allow: 'owner', ownerField: 'owner' };
const SIGNED_IN_READ = { allow: 'private', operations: ['read'] };
/** Field rule on `owner`: owners read it and may clear it, nobody can write another user's id into it. */
const OWNER_FIELD = [
  { allow: 'owner', operations: ['read', 'delete'], ownerField: 'owner' },
  { allow: 'private', operations: ['read'] },
];

export function describeData(get: () => SynthesizedBackend): void {
  describe('data (defineData)', () => {
    const schema = () => modelSchema(get());
    const postStack = () => get().stackNamed('Post');
    const functionConfig = (stack: ReturnType<typeof postStack>, name: string) => {
      const found = resourcesOfType(stack.json, 'AWS::AppSync::FunctionConfiguration').find(([, r]) => r.Properties.Name === name);
      if (!found) throw new Error(`no function ${name}`);
      return found;
    };
    const requestTemplate = (name: string) =>
      get().assetText(functionConfig(postStack(), name)[1].Properties.RequestMappingTemplateS3Location);

    it('the API authorizes with the user pool by default and IAM for backend functions', () => {
      get().templateOf(get().backend.data.resources.cfnResources.cfnGraphqlApi).hasResourceProperties('AWS::AppSync::GraphQLApi', {
        AuthenticationType: 'AMAZON_COGNITO_USER_POOLS',
        AdditionalAuthenticationProviders: [{ AuthenticationType: 'AWS_IAM' }],
      });
    });

    it('UserProfile {displayName!, givenName, familyName, avatarKey}: owner CRUD, signed-in users read', () => {
      const t = schema().type('UserProfile');
      expect(t.isModel).toBe(true);
      expect(t.fields).toMatchObject({ displayName: 'String!', givenName: 'String', familyName: 'String', avatarKey: 'String' });
      expect(t.rules).toEqual([OWNER_CRUD, SIGNED_IN_READ]);
    });

    it('Post {title!, content!, imageKey, status: PostStatus, moderationReason, comments}: owner CRUD, signed-in users read', () => {
      const t = schema().type('Post');
      expect(t.fields).toMatchObject({
        title: 'String!',
        content: 'String!',
        imageKey: 'String',
        status: 'PostStatus',
        moderationReason: 'String',
        comments: '[Comment]',
      });
      expect(t.fieldDirective('comments', 'hasMany')).toEqual({ references: ['postId'] });
      expect(t.rules).toEqual([OWNER_CRUD, SIGNED_IN_READ]);
    });

    it('PostStatus is PENDING | PUBLISHED | FLAGGED and DevicePlatform is APNS | FCM', () => {
      expect(schema().enums.get('PostStatus')).toEqual(['PENDING', 'PUBLISHED', 'FLAGGED']);
      expect(schema().enums.get('DevicePlatform')).toEqual(['APNS', 'FCM']);
    });

    it('Comment {postId!, post (belongsTo Post), content!}: owner CRUD, signed-in users read, listed by post', () => {
      const t = schema().type('Comment');
      expect(t.fields).toMatchObject({ postId: 'ID!', post: 'Post', content: 'String!' });
      expect(t.fieldDirective('post', 'belongsTo')).toEqual({ references: ['postId'] });
      expect(t.fieldDirective('postId', 'index')).toEqual({ queryField: 'listCommentsByPost' });
      expect(t.rules).toEqual([OWNER_CRUD, SIGNED_IN_READ]);
    });

    it('Device {token!, platform: DevicePlatform!}: its owner only, found by owner', () => {
      const t = schema().type('Device');
      expect(t.fields).toMatchObject({ token: 'String!', platform: 'DevicePlatform!' });
      expect(t.rules).toEqual([OWNER_CRUD]);
      expect(t.fieldRules('owner')).toEqual([OWNER_FIELD[0]]);
      expect(t.fieldDirective('owner', 'index')).toEqual({ queryField: 'listDevicesByOwner' });
    });

    it('owners cannot hand their records to someone else (owner is read/delete only)', () => {
      for (const model of ['UserProfile', 'Post', 'Comment']) expect(schema().type(model).fieldRules('owner')).toEqual(OWNER_FIELD);
      expect(get().console.join('\n')).not.toMatch(/owners may reassign ownership/);
    });

    it('users cannot set a post\'s status or moderation reason: only the post-processor writes them', () => {
      for (const field of ['status', 'moderationReason']) expect(schema().type('Post').fieldRules(field)).toEqual(OWNER_FIELD);
      for (const op of ['create', 'update']) {
        const authTemplate = get().assetText(
          functionConfig(postStack(), `Mutation${op}Postauth0Function`)[1].Properties[
            op === 'create' ? 'RequestMappingTemplateS3Location' : 'ResponseMappingTemplateS3Location'
          ],
        );
        const allowed = JSON.parse(/#set\( \$ownerAllowedFields0 = (\[.*\]) \)/.exec(authTemplate)![1]) as string[];
        expect(allowed).toEqual(expect.arrayContaining(['id', 'title', 'content', 'imageKey']));
        expect(allowed).not.toContain('status');
        expect(allowed).not.toContain('moderationReason');
        expect(allowed).not.toContain('owner');
      }
    });

    it('a new post starts PENDING: createPost runs the status default right after its init step', () => {
      const [, resolver] = resourcesOfType(postStack().json, 'AWS::AppSync::Resolver').find(
        ([, r]) => r.Properties.TypeName === 'Mutation' && r.Properties.FieldName === 'createPost',
      )!;
      const ids = (resolver.Properties.PipelineConfig.Functions as Json[]).map((f) => f['Fn::GetAtt'][0]);
      const [defaultId, defaultFn] = functionConfig(postStack(), POST_STATUS_DEFAULT_FUNCTION);
      const [initId] = functionConfig(postStack(), 'MutationcreatePostinit0Function');
      expect(ids.indexOf(defaultId)).toBe(ids.indexOf(initId) + 1);
      expect(ids.at(-1)).toMatch(/^MutationCreatePostDataResolverFn/);
      expect(traceValue(get().stacks, postStack(), defaultFn.Properties.DataSourceName).value).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/NONEDS/), 'Name'],
      });
      const template = requestTemplate(POST_STATUS_DEFAULT_FUNCTION);
      expect(template).toContain('$util.qr($ctx.stash.defaultValues.put("status", "PENDING"))');
      // The data step puts the defaults first, then the input over them.
      const create = get().assetText(functionConfig(postStack(), 'MutationCreatePostDataResolverFn')[1].Properties.RequestMappingTemplateS3Location);
      expect(create).toMatch(/#set\( \$mergedValues = \$util\.defaultIfNull\(\$ctx\.stash\.defaultValues, \{\}\) \)[\s\S]*putAll\(\$util\.defaultIfNull\(\$args\.input/);
    });

    it('processPost(postId: ID!) returns the Post, open to signed-in users, resolved by the post-processor', () => {
      const mutation = schema().type('Mutation');
      const field = mutation.field('processPost')!;
      expect(field.arguments?.map((a) => `${a.name.value}: ${printType(a.type)}`)).toEqual(['postId: ID!']);
      expect(printType(field.type)).toBe('Post');
      expect(mutation.fieldRules('processPost')).toEqual([{ allow: 'private' }]);
      const directive = get().stackNamed('FunctionDirectiveStack');
      const [, ds] = resourcesOfType(directive.json, 'AWS::AppSync::DataSource')[0];
      expect(ds.Properties.Type).toBe('AWS_LAMBDA');
      const target = traceValue(get().stacks, directive, ds.Properties.LambdaConfig.LambdaFunctionArn);
      const fn = get().backend.postProcessor.resources.cfnResources.cfnFunction;
      expect(target.stack.stack).toBe(fn.stack);
      expect(target.value).toEqual({ 'Fn::GetAtt': [logicalIdOf(fn), 'Arn'] });
    });

    it('backend functions reach the API with IAM: the post-processor queries and mutates, post-confirmation only mutates', () => {
      const data = get().stackNamed('data');
      const apiArn = logicalIdOf(get().backend.data.resources.cfnResources.cfnGraphqlApi);
      const accessByRole = new Map<string, string[]>();
      for (const [, policy] of resourcesOfType(data.json, 'AWS::IAM::Policy')) {
        const resources = (policy.Properties.PolicyDocument.Statement as Json[])
          .filter((s) => s.Action === 'appsync:GraphQL')
          .flatMap((s) => s.Resource);
        if (resources.length === 0) continue;
        for (const role of policy.Properties.Roles) {
          const traced = traceValue(get().stacks, data, role);
          accessByRole.set(
            JSON.stringify(traced.value),
            resources.map((r: Json) => {
              expect(r['Fn::Join'][1][0]).toEqual({ 'Fn::GetAtt': [apiArn, 'Arn'] });
              return r['Fn::Join'][1][1];
            }),
          );
        }
      }
      const roleOf = (fn: { role?: IConstruct }) => JSON.stringify({ Ref: logicalIdOf(fn.role!) });
      expect(accessByRole.get(roleOf(get().backend.postProcessor.resources.lambda))?.sort()).toEqual(['/types/Mutation/*', '/types/Query/*']);
      expect(accessByRole.get(roleOf(get().backend.postConfirmation.resources.lambda))).toEqual(['/types/Mutation/*']);
    });
  });
}
