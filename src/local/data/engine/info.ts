/**
 * `$ctx.info`: field name, parent type, variables, and the selection set (computed on first use:
 * most templates never read it).
 */
import { print, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { Host } from './vtl/java_values.js';

export class ResolveInfo extends Host {
  private list?: string[];
  private gql?: string;

  constructor(private readonly info: GraphQLResolveInfo | SyntheticInfo) {
    super();
  }

  get fieldName(): string {
    return this.info.fieldName;
  }
  get parentTypeName(): string {
    return this.info.parentType.name;
  }
  get variables(): Record<string, unknown> {
    return (this.info.variableValues ?? {}) as Record<string, unknown>;
  }
  get selectionSetList(): string[] {
    this.list ??= selectionList(this.info.fieldNodes[0]?.selectionSet, this.info.fragments, '');
    return this.list;
  }
  get selectionSetGraphQL(): string {
    const sel = this.info.fieldNodes[0]?.selectionSet;
    this.gql ??= sel ? print(sel) : '';
    return this.gql;
  }
  toJSON(): Record<string, unknown> {
    return {
      fieldName: this.fieldName,
      parentTypeName: this.parentTypeName,
      variables: this.variables,
      selectionSetList: this.selectionSetList,
      selectionSetGraphQL: this.selectionSetGraphQL,
    };
  }
  override toString(): string {
    return JSON.stringify(this.toJSON());
  }
}

/** What subscription resolvers get outside graphql-js execution. */
export interface SyntheticInfo {
  fieldName: string;
  parentType: { name: string };
  variableValues: Record<string, unknown>;
  fieldNodes: readonly FieldNode[];
  fragments: Record<string, FragmentDefinitionNode>;
}

function selectionList(set: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>, prefix: string, seen = new Set<string>()): string[] {
  if (!set) return [];
  const out: string[] = [];
  for (const sel of set.selections) {
    if (sel.kind === 'Field') {
      if (sel.name.value.startsWith('__')) continue;
      const name = sel.alias?.value ?? sel.name.value;
      const path = prefix ? `${prefix}/${name}` : name;
      if (!out.includes(path)) out.push(path);
      for (const p of selectionList(sel.selectionSet, fragments, path, seen)) if (!out.includes(p)) out.push(p);
    } else if (sel.kind === 'InlineFragment') {
      for (const p of selectionList(sel.selectionSet, fragments, prefix, seen)) if (!out.includes(p)) out.push(p);
    } else if (sel.kind === 'FragmentSpread') {
      const frag = fragments[sel.name.value];
      if (!frag || seen.has(frag.name.value)) continue;
      for (const p of selectionList(frag.selectionSet, fragments, prefix, new Set([...seen, frag.name.value]))) if (!out.includes(p)) out.push(p);
    }
  }
  return out;
}
