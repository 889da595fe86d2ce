/**
 * An evaluator of Gen 2 data rules written from their documented semantics, independent of the
 * generated resolvers the local cloud runs: which caller may create, read, update, delete or listen
 * to which record. Rules are grouped into roles the way the transformer's access-control matrix
 * does: a field with its own rules is governed by those alone; an operation on a record needs one
 * role that matches the caller (and, for owner and dynamic-group roles, the record); delete needs a
 * role with delete on every field; list and subscriptions filter to the caller's records when only
 * an owner-style role lets them read.
 */
import type { AuthRule, ModelRules, RuleOperation } from './rules.js';

export type AuthMode = 'userPools' | 'iam' | 'apiKey' | 'function' | 'oidc' | 'none';

/** Who calls, as the evaluator sees it. */
export interface Principal {
  name: string;
  mode: AuthMode;
  /** False for credentials the API must refuse whatever the rules say (forged, expired, missing). */
  valid: boolean;
  /** A stable id for the person behind a user-pool identity: ownership is compared on it. */
  userId?: string;
  groups: string[];
  iamRole?: 'guest' | 'authenticated';
}

/** What the evaluator needs to know about an existing record. */
export interface RecordFacts {
  /** `userId`s in the record's owner field(s): whoever created it. */
  owners: string[];
}

export type ItemOperation = 'create' | 'get' | 'update' | 'delete';
export type ScopedOperation = 'list' | 'onCreate' | 'onUpdate' | 'onDelete';
/** `all`: every record; `own`: only records the caller owns; `refused`: an authorization error. */
export type Scope = 'all' | 'own' | 'refused';

interface Role {
  key: string;
  rule: AuthRule;
  /** Owner and dynamic-group roles depend on the record. */
  dynamic: boolean;
  group?: string;
}

function rolesOf(rule: AuthRule): Role[] {
  if (rule.allow === 'groups' && rule.groups) return rule.groups.map((g) => ({ key: `${rule.provider}:groups:${g}`, rule, dynamic: false, group: g }));
  if (rule.allow === 'owner') return [{ key: `${rule.provider}:owner:${rule.field}`, rule, dynamic: true }];
  if (rule.allow === 'groups') return [{ key: `${rule.provider}:groupsField:${rule.field}`, rule, dynamic: true }];
  return [{ key: `${rule.provider}:${rule.allow}`, rule, dynamic: false }];
}

export class ModelEvaluator {
  private readonly roles: Role[];
  private readonly resources: string[];

  constructor(private readonly model: ModelRules) {
    const all = [...model.rules, ...Object.values(model.fieldRules).flat()].flatMap(rolesOf);
    this.roles = [...new Map(all.map((r) => [r.key, r])).values()];
    this.resources = model.fields.map((f) => f.name);
  }

  /** Whether `role` may do `op` on `field`: the field's own rules when it has some, else the model's. */
  private can(role: Role, field: string, op: RuleOperation): boolean {
    const rules = this.model.fieldRules[field] ?? this.model.rules;
    return rules.flatMap(rolesOf).some((r) => r.key === role.key && r.rule.operations.includes(op));
  }

  private canAny(role: Role, op: RuleOperation): boolean {
    return this.resources.some((f) => this.can(role, f, op));
  }

  private canAll(role: Role, op: RuleOperation): boolean {
    return this.resources.every((f) => this.can(role, f, op));
  }

  /** Whether the role speaks for this caller at all (ignoring the record). */
  private matches(role: Role, p: Principal): boolean {
    if (!p.valid) return false;
    const { allow, provider } = role.rule;
    if (provider === 'userPools' || provider === 'oidc') {
      if (p.mode !== provider) return false;
      if (allow === 'groups' && role.group) return p.groups.includes(role.group);
      return allow === 'private' || allow === 'owner' || allow === 'groups';
    }
    if (provider === 'iam') return p.mode === 'iam' && (allow === 'public' ? p.iamRole === 'guest' : p.iamRole === 'authenticated');
    if (provider === 'apiKey') return p.mode === 'apiKey';
    if (provider === 'function') return p.mode === 'function';
    return false;
  }

  private matchesRecord(role: Role, p: Principal, record: RecordFacts | undefined): boolean {
    if (!this.matches(role, p)) return false;
    if (!role.dynamic) return true;
    if (role.rule.allow === 'owner') return record === undefined || (p.userId !== undefined && record.owners.includes(p.userId));
    // Dynamic groups: the records made here never name a group, so only a creator naming one would pass.
    return false;
  }

  /** create: the caller becomes the owner; every input field must be writable by the same role. */
  item(op: ItemOperation, p: Principal, ctx: { record?: RecordFacts; inputFields?: string[] } = {}): boolean {
    const input = ctx.inputFields ?? [];
    switch (op) {
      case 'create':
        return this.roles.some((r) => this.matchesRecord(r, p, undefined) && this.canAny(r, 'create') && input.every((f) => this.can(r, f, 'create')));
      case 'get':
        return this.roles.some((r) => this.matchesRecord(r, p, ctx.record) && this.canAny(r, 'read'));
      case 'update':
        return this.roles.some((r) => this.matchesRecord(r, p, ctx.record) && this.canAny(r, 'update') && input.every((f) => this.can(r, f, 'update')));
      case 'delete':
        return this.roles.some((r) => this.matchesRecord(r, p, ctx.record) && this.canAll(r, 'delete'));
    }
  }

  /** Reading one field of a record the caller may get: a matching role must read that very field. */
  fieldRead(p: Principal, record: RecordFacts, field: string): boolean {
    return this.item('get', p, { record }) && this.roles.some((r) => this.matchesRecord(r, p, record) && this.can(r, field, 'read'));
  }

  /** list and subscriptions: everything, the caller's own records, or refused. */
  scope(_op: ScopedOperation, p: Principal): Scope {
    const readers = this.roles.filter((r) => this.matches(r, p) && this.canAny(r, 'read'));
    if (readers.some((r) => !r.dynamic)) return 'all';
    return readers.length ? 'own' : 'refused';
  }

  /**
   * A secondary index's query field, asked for `keyField`'s value: like list, except that an owner
   * role on the key field itself does not filter — it lets the query through when the value names the
   * caller and refuses it otherwise (the generated resolver checks the argument against the claims).
   */
  indexScope(p: Principal, keyField: string, namesCaller: boolean): Scope {
    const readers = this.roles.filter((r) => this.matches(r, p) && this.canAny(r, 'read'));
    if (readers.some((r) => !r.dynamic)) return 'all';
    if (readers.some((r) => r.rule.field !== keyField)) return 'own';
    return readers.length && namesCaller ? 'own' : 'refused';
  }

  /** Fields a caller can read wherever the model's rules let them read: those without rules of their own. */
  plainFields(): string[] {
    return this.model.fields.filter((f) => !f.relational && !this.model.fieldRules[f.name]).map((f) => f.name);
  }
}
