/**
 * The transformed SDL as AppSync serves it: AppSync's scalars and directives are declared (the
 * SDL uses them without declarations), the scalars get AppSync's validation.
 */
import { buildASTSchema, parse, type DocumentNode, type GraphQLSchema, GraphQLScalarType } from 'graphql';
import { appSyncScalars } from './scalars.js';

const DIRECTIVES: Record<string, string> = {
  aws_subscribe: 'directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION',
  aws_publish: 'directive @aws_publish(subscriptions: [String]) on FIELD_DEFINITION',
  aws_auth: 'directive @aws_auth(cognito_groups: [String]) on FIELD_DEFINITION',
  aws_api_key: 'directive @aws_api_key on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | INPUT_OBJECT | ENUM | SCALAR',
  aws_iam: 'directive @aws_iam on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | INPUT_OBJECT | ENUM | SCALAR',
  aws_oidc: 'directive @aws_oidc on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | INPUT_OBJECT | ENUM | SCALAR',
  aws_lambda: 'directive @aws_lambda on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | INPUT_OBJECT | ENUM | SCALAR',
  aws_cognito_user_pools:
    'directive @aws_cognito_user_pools(cognito_groups: [String]) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | INPUT_OBJECT | ENUM | SCALAR',
};

export function buildAppSyncSchema(sdl: string): { schema: GraphQLSchema; document: DocumentNode } {
  const user = parse(sdl);
  const declared = new Set<string>();
  for (const def of user.definitions) {
    if ('name' in def && def.name) declared.add(def.name.value);
  }
  const prelude: string[] = [];
  for (const s of appSyncScalars) if (!declared.has(s.name)) prelude.push(`scalar ${s.name}`);
  for (const [name, decl] of Object.entries(DIRECTIVES)) {
    if (!user.definitions.some((d) => d.kind === 'DirectiveDefinition' && d.name.value === name)) prelude.push(decl);
  }
  const document: DocumentNode = { ...user, definitions: [...parse(prelude.join('\n')).definitions, ...user.definitions] };
  const schema = buildASTSchema(document, { assumeValidSDL: true });
  // Give AppSync's scalars their behaviour (SDL-built scalars are pass-through).
  for (const impl of appSyncScalars) {
    const t = schema.getType(impl.name);
    if (t instanceof GraphQLScalarType) {
      t.serialize = impl.serialize;
      t.parseValue = impl.parseValue;
      t.parseLiteral = impl.parseLiteral;
    }
  }
  return { schema, document };
}
