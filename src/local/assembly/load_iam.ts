import { asList, whereOf, type LoadContext } from './context.js';
import type { ResourceNode } from './intrinsics.js';
import type { IamModel, PolicyStatementModel, RoleModel } from './model_iam.js';

/**
 * Every AWS::IAM::Role with the statements of its inline Policies, of each AWS::IAM::Policy and
 * AWS::IAM::ManagedPolicy that names it (by role name, across stacks) and of local managed policies
 * it attaches by ARN. Policy variables such as `${cognito-identity.amazonaws.com:sub}` stay verbatim.
 */
export function loadIam(ctx: LoadContext): IamModel {
  const { r } = ctx;
  const roles: RoleModel[] = [];
  const byName = new Map<string, RoleModel>();
  for (const n of r.resources('AWS::IAM::Role')) {
    const name = String(r.ref(n.stack, n.logicalId));
    const inline = (r.prop(n, 'Policies') ?? []) as { PolicyDocument?: unknown }[];
    const role: RoleModel = {
      logicalId: n.logicalId,
      arn: String(r.getAtt(n.stack, n.logicalId, 'Arn')),
      name,
      statements: inline.flatMap((p, i) => statements(ctx, n, p.PolicyDocument, `Policies[${i}]`)),
      trustStatements: statements(ctx, n, r.prop(n, 'AssumeRolePolicyDocument'), 'AssumeRolePolicyDocument'),
      managedPolicyArns: [],
    };
    const maxSession = Number(r.prop(n, 'MaxSessionDuration'));
    if (Number.isInteger(maxSession) && maxSession > 0) role.maxSessionDurationSeconds = maxSession;
    roles.push(role);
    byName.set(name, role);
    for (const arn of asList(r.prop(n, 'ManagedPolicyArns'))) role.managedPolicyArns!.push(String(arn));
  }

  const managedByArn = new Map<string, PolicyStatementModel[]>();
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const n of r.resources(type)) {
      const doc = statements(ctx, n, r.prop(n, 'PolicyDocument'), 'PolicyDocument');
      if (type === 'AWS::IAM::ManagedPolicy') managedByArn.set(String(r.ref(n.stack, n.logicalId)), doc);
      for (const roleName of asList(r.prop(n, 'Roles'))) {
        // `Roles` holds names; an ARN is tolerated (the name is its last segment).
        const role = byName.get(String(roleName).split('/').pop()!);
        if (role) role.statements.push(...doc);
        else ctx.warnings.push(`${type} ${n.logicalId} (${n.stack.name}) names role ${String(roleName)}, which is not in the assembly`);
      }
    }
  }
  for (const role of roles) {
    role.managedPolicyArns = role.managedPolicyArns!.filter((arn) => {
      const local = managedByArn.get(arn);
      if (local) role.statements.push(...local);
      return !local;
    });
  }
  return { roles };
}

function statements(ctx: LoadContext, n: ResourceNode, document: unknown, path: string): PolicyStatementModel[] {
  if (document === undefined) return [];
  const doc = (typeof document === 'string' ? JSON.parse(document) : document) as { Statement?: unknown };
  return asList(doc.Statement).map((raw, i) => {
    const s = raw as Record<string, unknown>;
    const effect = s.Effect;
    if (effect !== 'Allow' && effect !== 'Deny') {
      ctx.r.fail(whereOf(n, `${path}.Statement[${i}].Effect`), s, `Effect must be Allow or Deny`);
    }
    const strings = (v: unknown) => asList(v).map((x) => String(x));
    const out: PolicyStatementModel = {
      effect,
      actions: strings(s.Action),
      resources: strings(s.Resource),
    };
    if (s.Condition) out.conditions = conditions(s.Condition as Record<string, Record<string, unknown>>);
    if (s.NotAction !== undefined) out.notActions = strings(s.NotAction);
    if (s.NotResource !== undefined) out.notResources = strings(s.NotResource);
    if (s.Principal !== undefined) out.principals = principals(s.Principal);
    return out;
  });
}

function conditions(c: Record<string, Record<string, unknown>>): Record<string, Record<string, string | string[]>> {
  const out: Record<string, Record<string, string | string[]>> = {};
  for (const [op, byKey] of Object.entries(c)) {
    out[op] = {};
    for (const [key, value] of Object.entries(byKey)) {
      out[op][key] = Array.isArray(value) ? value.map((v) => String(v)) : String(value);
    }
  }
  return out;
}

function principals(p: unknown): Record<string, string[]> {
  if (p === '*') return { AWS: ['*'] };
  const out: Record<string, string[]> = {};
  for (const [kind, value] of Object.entries(p as Record<string, unknown>)) out[kind] = asList(value).map((v) => String(v));
  return out;
}
