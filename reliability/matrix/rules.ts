/**
 * The authorization rules of a backend as the local cloud loaded them: model-level rules from the
 * model introspection (BackendModel.data.modelIntrospection), field-level rules from the
 * pre-transform schema asset of the same assembly (`model-schema.graphql`, which the introspection
 * leaves them out of), and storage access from the bucket paths. Normalized to Gen 2 defaults, so
 * the evaluator never has to know which source a rule came from.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, valueFromASTUntyped, type ObjectTypeDefinitionNode } from 'graphql';
import type { BackendModel } from '../../src/local/assembly/model.js';

export type Provider = 'userPools' | 'oidc' | 'iam' | 'apiKey' | 'function';
export type RuleOperation = 'create' | 'update' | 'delete' | 'read';

/** One `allow.*` rule, with the transformer's defaults filled in. */
export interface AuthRule {
  allow: 'owner' | 'groups' | 'private' | 'public' | 'custom';
  provider: Provider;
  operations: RuleOperation[];
  /** owner: the field holding the owner(s); groups: the field holding the groups (dynamic groups). */
  field?: string;
  /** Static groups. */
  groups?: string[];
  identityClaim?: string;
}

export interface FieldInfo {
  name: string;
  /** A scalar name, or `{ enum }`, `{ nonModel }`, `{ model }`. */
  type: string | { enum?: string; nonModel?: string; model?: string };
  isRequired: boolean;
  isArray: boolean;
  isReadOnly?: boolean;
  relational: boolean;
}

export interface ModelRules {
  name: string;
  keyFields: string[];
  fields: FieldInfo[];
  rules: AuthRule[];
  /** Fields that carry their own rules (they replace the model's rules for that field). */
  fieldRules: Record<string, AuthRule[]>;
  /** Secondary indexes with a query field (`listCommentsByPost`), by their key fields. */
  indexes: { queryField: string; fields: string[] }[];
}

export interface DataRules {
  models: ModelRules[];
  enums: Record<string, string[]>;
  nonModels: Record<string, FieldInfo[]>;
}

const ALL_OPERATIONS: RuleOperation[] = ['create', 'update', 'delete', 'read'];

/** Fills in what a rule leaves out the way the Gen 2 transformer does. */
export function normalizeRule(raw: Record<string, unknown>): AuthRule {
  const allow = raw.allow as AuthRule['allow'];
  const defaultProvider: Provider = allow === 'public' ? 'apiKey' : allow === 'custom' ? 'function' : 'userPools';
  const operations = ((raw.operations as string[] | undefined) ?? ALL_OPERATIONS).flatMap((op): RuleOperation[] =>
    op === 'get' || op === 'list' || op === 'listen' || op === 'sync' || op === 'search' ? ['read'] : [op as RuleOperation],
  );
  // Gen 2 writes `identityPool` for what the transformer calls `iam` (guest and authenticated('identityPool')).
  const provider = raw.provider === 'identityPool' ? 'iam' : ((raw.provider as Provider | undefined) ?? defaultProvider);
  const rule: AuthRule = { allow, provider, operations: [...new Set(operations)] };
  if (allow === 'owner') {
    rule.field = (raw.ownerField as string | undefined) ?? 'owner';
    rule.identityClaim = (raw.identityClaim as string | undefined) ?? 'cognito:username';
  }
  if (allow === 'groups') {
    if (Array.isArray(raw.groups)) rule.groups = raw.groups as string[];
    else rule.field = (raw.groupsField as string | undefined) ?? 'groups';
  }
  return rule;
}

interface Introspection {
  models: Record<string, { name: string; fields: Record<string, FieldIntrospection>; attributes: { type: string; properties?: { rules?: Record<string, unknown>[]; queryField?: string; fields?: string[] } }[]; primaryKeyInfo?: { primaryKeyFieldName: string; sortKeyFieldNames: string[] } }>;
  enums?: Record<string, { values: string[] }>;
  nonModels?: Record<string, { fields: Record<string, FieldIntrospection> }>;
}

interface FieldIntrospection {
  name: string;
  type: FieldInfo['type'];
  isRequired: boolean;
  isArray: boolean;
  isReadOnly?: boolean;
  association?: unknown;
}

function fieldInfo(f: FieldIntrospection): FieldInfo {
  const relational = typeof f.type === 'object' && 'model' in f.type;
  return { name: f.name, type: f.type, isRequired: f.isRequired, isArray: f.isArray, isReadOnly: f.isReadOnly, relational };
}

/** Field-level `@auth` rules of the pre-transform schema, by type and field. */
export function fieldRulesOfSchema(sdl: string): Record<string, Record<string, AuthRule[]>> {
  const out: Record<string, Record<string, AuthRule[]>> = {};
  for (const def of parse(sdl).definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    const type = def as ObjectTypeDefinitionNode;
    for (const field of type.fields ?? []) {
      const auth = field.directives?.find((d) => d.name.value === 'auth');
      const rules = auth?.arguments?.find((a) => a.name.value === 'rules');
      if (!rules) continue;
      (out[type.name.value] ??= {})[field.name.value] = (valueFromASTUntyped(rules.value) as Record<string, unknown>[]).map(normalizeRule);
    }
  }
  return out;
}

/** The pre-transform schema asset (`asset.<hash>/model-schema.graphql`), when the assembly has one. */
export function findModelSchema(assemblyDir: string): string | undefined {
  for (const entry of readdirSync(assemblyDir)) {
    const file = path.join(assemblyDir, entry, 'model-schema.graphql');
    if (entry.startsWith('asset.') && existsSync(file)) return readFileSync(file, 'utf8');
  }
  return undefined;
}

export function dataRulesOf(model: BackendModel): DataRules | undefined {
  const intro = model.data?.modelIntrospection as Introspection | undefined;
  if (!intro?.models) return undefined;
  const sdl = findModelSchema(model.assemblyDir);
  const fieldRules = sdl ? fieldRulesOfSchema(sdl) : {};
  const models = Object.values(intro.models).map((m): ModelRules => {
    const rules = m.attributes.filter((a) => a.type === 'auth').flatMap((a) => (a.properties?.rules ?? []).map(normalizeRule));
    const fields = Object.values(m.fields).map(fieldInfo);
    // An owner field the schema does not declare is added by the transformer (a nullable String).
    for (const r of rules) if (r.allow === 'owner' && !fields.some((f) => f.name === r.field)) fields.push({ name: r.field!, type: 'String', isRequired: false, isArray: false, relational: false });
    const pk = m.primaryKeyInfo;
    const indexes = m.attributes.filter((a) => a.type === 'key' && a.properties?.queryField).map((a) => ({ queryField: a.properties!.queryField!, fields: a.properties!.fields ?? [] }));
    return { name: m.name, keyFields: pk ? [pk.primaryKeyFieldName, ...pk.sortKeyFieldNames] : ['id'], fields, rules, fieldRules: fieldRules[m.name] ?? {}, indexes };
  });
  const enums = Object.fromEntries(Object.entries(intro.enums ?? {}).map(([k, v]) => [k, v.values]));
  const nonModels = Object.fromEntries(Object.entries(intro.nonModels ?? {}).map(([k, v]) => [k, Object.values(v.fields).map(fieldInfo)]));
  return { models, enums, nonModels };
}

/** Storage: who may do what on which path, as the outputs' `paths` describe it. */
export interface StoragePathRule {
  bucket: string;
  /** `media/{entity_id}/*` (the `${cognito-identity.amazonaws.com:sub}` token written back as `{entity_id}`). */
  path: string;
  access: Record<string, ('get' | 'list' | 'write' | 'delete')[]>;
}

export const ENTITY_TOKEN = '${cognito-identity.amazonaws.com:sub}';

export function storageRulesOf(model: BackendModel): StoragePathRule[] {
  return (model.storage?.buckets ?? []).flatMap((b) =>
    Object.entries(b.paths).map(([p, access]) => ({ bucket: b.bucketName, path: p.replaceAll(ENTITY_TOKEN, '{entity_id}'), access })),
  );
}
