import * as ids from './ids.js';
import type { ResourceNode, Resolver } from './intrinsics.js';

/**
 * The pieces the return-value table is written with: what `Ref` and `Fn::GetAtt` of one resource
 * type give, computed from the resource's own properties and its seed (its stack path and logical id).
 */

export type Attr = (r: Resolver, n: ResourceNode) => unknown;

export interface ReturnValues {
  /** The Ref value. Defaults to a CloudFormation-style generated name. */
  ref?: (r: Resolver, n: ResourceNode) => string;
  /** The attributes `Fn::GetAtt` documents for the type, by name. */
  attrs?: Record<string, Attr>;
}

export const seedOf = (n: ResourceNode) => `${n.stack.path}/${n.logicalId}`;

/** The template's explicit name property, else a CloudFormation-style generated name. */
export function named(prop: string | undefined, maxLength = 64) {
  return (r: Resolver, n: ResourceNode): string =>
    (prop ? r.propString(n, prop) : undefined) ?? ids.generatedName(n.stack.name, n.logicalId, seedOf(n), maxLength);
}

/** The resource's own Ref value (memoized by the resolver). */
export const refOf = (r: Resolver, n: ResourceNode) => String(r.ref(n.stack, n.logicalId));

export const arn = (r: Resolver, service: string, resource: string, scope: 'regional' | 'global' | 'none' = 'regional') =>
  `arn:${r.partition}:${service}:${scope === 'regional' ? r.region : ''}:${scope === 'none' ? '' : r.accountId}:${resource}`;

/** An attribute that is one of the resource's properties. */
export const prop =
  (name: string): Attr =>
  (r, n) =>
    r.prop(n, name);

/** A v4-shaped UUID for the resource (services whose ids are UUIDs: KMS keys, Connect, Wisdom...). */
export const uuidOf = (kind: string) => (_r: Resolver, n: ResourceNode) => ids.uuidFrom(`${kind}:${seedOf(n)}`);

/** `length` characters of `alphabet` for the resource, like the short ids API Gateway and others use. */
export const idOf = (kind: string, alphabet: string, length: number) => (_r: Resolver, n: ResourceNode) =>
  ids.derive(`${kind}:${seedOf(n)}`, alphabet, length);

/** Resource creation times are deploy times; a fixed one keeps the values deterministic. */
export const EPOCH = '1970-01-01T00:00:00.000Z';

/** The `amplify:friendly-name` tag Gen 2 puts on the resources of each `define*`. */
export function friendlyName(r: Resolver, n: ResourceNode): string | undefined {
  const tags = n.def.Properties?.Tags;
  if (Array.isArray(tags)) {
    const tag = tags.find((t) => (t as { Key?: unknown }).Key === 'amplify:friendly-name') as { Value?: unknown } | undefined;
    return tag?.Value === undefined ? undefined : r.string(tag.Value, { stack: n.stack, logicalId: n.logicalId, path: 'Tags' });
  }
  if (tags && typeof tags === 'object') {
    const value = (tags as Record<string, unknown>)['amplify:friendly-name'];
    return value === undefined ? undefined : r.string(value, { stack: n.stack, logicalId: n.logicalId, path: 'Tags' });
  }
  return undefined;
}
