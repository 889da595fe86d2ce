import type { CfnTemplate, Json } from './synth.js';

/** logicalId → the logical ids it depends on, within one template. */
export type DependencyGraph = Map<string, Set<string>>;

function collectRefs(value: Json, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collectRefs(v, into);
  } else if (value && typeof value === 'object') {
    if (typeof value.Ref === 'string') into.add(value.Ref);
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) into.add(String(getAtt[0]));
    else if (typeof getAtt === 'string') into.add(getAtt.split('.')[0]);
    if (typeof value['Fn::Sub'] === 'string') {
      for (const m of value['Fn::Sub'].matchAll(/\$\{([A-Za-z0-9]+)(\.[^}]*)?\}/g)) into.add(m[1]);
    }
    for (const v of Object.values(value)) collectRefs(v, into);
  }
}

/**
 * The dependency graph between the resources of a template: an edge for every `Ref`, `Fn::GetAtt`,
 * `Fn::Sub` reference and `DependsOn`. For a parent template that is the graph between its nested
 * stacks, since one nested stack reaches another only through the parameters the parent passes.
 */
export function dependencyGraph(template: CfnTemplate): DependencyGraph {
  const graph: DependencyGraph = new Map();
  const ids = new Set(Object.keys(template.Resources));
  for (const [id, resource] of Object.entries(template.Resources)) {
    const refs = new Set<string>();
    collectRefs(resource.Properties, refs);
    for (const d of [resource.DependsOn ?? []].flat()) refs.add(d);
    graph.set(id, new Set([...refs].filter((r) => ids.has(r) && r !== id)));
  }
  return graph;
}

/** The nested-stack part of the graph: only AWS::CloudFormation::Stack resources and their edges. */
export function nestedStackGraph(template: CfnTemplate): DependencyGraph {
  const stacks = new Set(
    Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::CloudFormation::Stack')
      .map(([id]) => id),
  );
  const full = dependencyGraph(template);
  const graph: DependencyGraph = new Map();
  for (const id of stacks) graph.set(id, new Set([...full.get(id)!].filter((d) => stacks.has(d))));
  return graph;
}

/** A cycle as a list of logical ids (first = last), or null when the graph is acyclic. */
export function findCycle(graph: DependencyGraph): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === 'done') return null;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const dep of graph.get(id) ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return null;
  };
  for (const id of graph.keys()) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return null;
}
