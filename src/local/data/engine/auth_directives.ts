/**
 * AppSync's per-field authorization-mode check. A field's modes are its own auth directives, else
 * its type's, else the API's default mode. `@aws_cognito_user_pools(cognito_groups: [...])` (and
 * the legacy `@aws_auth`) also require one of the groups. AppSync checks every field it resolves.
 */
import {
  isObjectType,
  isInterfaceType,
  type DirectiveNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import type { AppSyncAuthMode } from '../../assembly/model.js';

const DIRECTIVE_MODES: Record<string, AppSyncAuthMode> = {
  aws_api_key: 'API_KEY',
  aws_iam: 'AWS_IAM',
  aws_oidc: 'OPENID_CONNECT',
  aws_lambda: 'AWS_LAMBDA',
  aws_cognito_user_pools: 'AMAZON_COGNITO_USER_POOLS',
};

export interface FieldAuthRule {
  modes: ReadonlySet<AppSyncAuthMode>;
  /** User-pool groups, when the user-pool directive lists some. */
  groups?: readonly string[];
}

function groupsOf(d: DirectiveNode): string[] | undefined {
  const arg = d.arguments?.find((a) => a.name.value === 'cognito_groups');
  if (!arg || arg.value.kind !== 'ListValue') return undefined;
  return arg.value.values.filter((v) => v.kind === 'StringValue').map((v) => (v as { value: string }).value);
}

function ruleFrom(directives: readonly DirectiveNode[] | undefined, defaultMode: AppSyncAuthMode): FieldAuthRule | undefined {
  if (!directives) return undefined;
  const modes = new Set<AppSyncAuthMode>();
  let groups: string[] | undefined;
  for (const d of directives) {
    const name = d.name.value;
    const mode = Object.hasOwn(DIRECTIVE_MODES, name) ? DIRECTIVE_MODES[name] : undefined;
    if (mode) {
      modes.add(mode);
      if (mode === 'AMAZON_COGNITO_USER_POOLS') groups = groupsOf(d) ?? groups;
    } else if (name === 'aws_auth') {
      // Legacy: user pools only (the default mode of APIs that used it).
      modes.add(defaultMode);
      groups = groupsOf(d) ?? groups;
    }
  }
  return modes.size > 0 ? { modes, groups } : undefined;
}

export class AuthDirectives {
  private readonly rules = new Map<string, Map<string, FieldAuthRule>>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly defaultMode: AppSyncAuthMode,
  ) {
    const fallback: FieldAuthRule = { modes: new Set([defaultMode]) };
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
      const typeRule = ruleFrom(type.astNode?.directives, defaultMode) ?? mergeExtensions(type, defaultMode);
      const fields = new Map<string, FieldAuthRule>();
      for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
        fields.set(field.name, ruleFrom(field.astNode?.directives, defaultMode) ?? typeRule ?? fallback);
      }
      this.rules.set(type.name, fields);
    }
  }

  rule(typeName: string, fieldName: string): FieldAuthRule | undefined {
    return this.rules.get(typeName)?.get(fieldName);
  }

  /** True when a request in `mode` (with these user-pool groups) may resolve the field. */
  allows(typeName: string, fieldName: string, mode: AppSyncAuthMode, groups: readonly string[] | null | undefined): boolean {
    const rule = this.rules.get(typeName)?.get(fieldName);
    if (!rule) return mode === this.defaultMode;
    if (!rule.modes.has(mode)) return false;
    if (mode === 'AMAZON_COGNITO_USER_POOLS' && rule.groups && rule.groups.length > 0) {
      return !!groups && groups.some((g) => rule.groups!.includes(g));
    }
    return true;
  }

  get schemaRef(): GraphQLSchema {
    return this.schema;
  }
}

/** Type extensions (`extend type Query @aws_iam`) add directives too. */
function mergeExtensions(type: GraphQLNamedType, defaultMode: AppSyncAuthMode): FieldAuthRule | undefined {
  const ext = (type as { extensionASTNodes?: readonly { directives?: readonly DirectiveNode[] }[] }).extensionASTNodes ?? [];
  const all = ext.flatMap((e) => e.directives ?? []);
  return all.length ? ruleFrom(all, defaultMode) : undefined;
}
