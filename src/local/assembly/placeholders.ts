import * as ids from './ids.js';
import type { ResourceNode, Resolver } from './intrinsics.js';
import { arn, EPOCH, named, seedOf } from './return_value_kit.js';

/**
 * `Ref` and `Fn::GetAtt` of a resource type the return-value table does not list (or of a custom
 * resource, whose attributes come from its handler at deploy time): a deterministic placeholder
 * shaped like the real value where the attribute's name says what it is — an ARN for `Arn`/`…Arn`,
 * a UUID for `Id`/`…Id`, a URL, a host name, a timestamp — so the backend still loads and an app's
 * outputs hold a value of the right form. Such resources are listed as not emulated (emulation.ts).
 */

/** `AWS::Connect::Instance` → `connect` and `instance`; `Custom::Thing` → `custom` and `thing`. */
function typeParts(type: string): { service: string; resource: string } {
  const parts = type.split('::');
  const service = (parts.length >= 3 ? parts[1] : parts[0]).toLowerCase();
  const resource = (parts[parts.length - 1] ?? 'resource').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  return { service, resource };
}

/** The name the template gives (`Name`, `<Type>Name`), else a CloudFormation-style generated one. */
function nameOf(r: Resolver, n: ResourceNode): string {
  const typeName = n.def.Type.split('::').pop() ?? '';
  for (const p of ['Name', `${typeName}Name`]) {
    const value = n.def.Properties?.[p];
    if (typeof value === 'string') return value;
  }
  return named(undefined)(r, n);
}

export function placeholderRef(r: Resolver, n: ResourceNode): string {
  return nameOf(r, n);
}

export function placeholderAttr(r: Resolver, n: ResourceNode, attr: string): string {
  const { service, resource } = typeParts(n.def.Type);
  // Nested attributes (`Stats.ProfileCount`, `Endpoint.Address`) are shaped by their last part.
  const leaf = attr.slice(attr.lastIndexOf('.') + 1);
  const seed = `placeholder:${seedOf(n)}:${attr}`;
  const ref = String(r.ref(n.stack, n.logicalId));
  const id = ref.startsWith('arn:') || ref.includes('/') ? ids.derive(seed, ids.LOWER_ALNUM, 12) : ref;
  if (/(arn)$/i.test(leaf)) return ref.startsWith('arn:') && leaf.length === 3 ? ref : arn(r, service, `${resource}/${id}`);
  if (/(id)$/i.test(leaf)) return ids.uuidFrom(seed);
  if (/(url|uri)$/i.test(leaf)) return `https://${id}.${service}.${r.region}.${r.urlSuffix}`;
  if (/(dns|domainname|endpoint|address|host)$/i.test(leaf)) return `${id}.${service}.${r.region}.${r.urlSuffix}`;
  if (/name$/i.test(leaf)) return ref.startsWith('arn:') ? nameOf(r, n) : ref;
  if (/(Time|Date|At|Timestamp)$/.test(leaf)) return EPOCH;
  return `${n.logicalId}-${leaf}-${ids.derive(seed, ids.LOWER_ALNUM, 8)}`;
}
