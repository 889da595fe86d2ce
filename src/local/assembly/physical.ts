import type { ResourcePhysics } from './intrinsics.js';
import { placeholderAttr, placeholderRef } from './placeholders.js';
import { RETURN_VALUES } from './return_values.js';
import { named } from './return_value_kit.js';
import { ownEntry } from '../core/own.js';

export { friendlyName, seedOf } from './return_value_kit.js';

/**
 * What `Ref` and `Fn::GetAtt` return locally: the return-value table (return_values.ts) for the
 * types it lists, placeholders shaped like the real values for the others (placeholders.ts).
 */

/** Pinpoint channel resources return their application id as Ref. */
const PINPOINT_CHANNEL = /^AWS::Pinpoint::\w+Channel$/;

const isCustomResource = (type: string) => type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';

export const localPhysics: ResourcePhysics = {
  ref(r, n) {
    const type = n.def.Type;
    if (PINPOINT_CHANNEL.test(type)) return r.propString(n, 'ApplicationId') ?? placeholderRef(r, n);
    const rule = ownEntry(RETURN_VALUES, type);
    if (!rule) return placeholderRef(r, n);
    return (rule.ref ?? named(undefined))(r, n);
  },
  attr(r, n, name) {
    const rule = ownEntry(RETURN_VALUES, n.def.Type);
    const fn = ownEntry(rule?.attrs, name);
    if (fn) return fn(r, n);
    if (isCustomResource(n.def.Type)) {
      // A custom resource's attributes come from its handler at deploy time. Those CDK passes through
      // as properties of the same name (BucketDeployment's DestinationBucketArn) are known here.
      if (n.def.Properties?.[name] !== undefined) return r.prop(n, name);
      return placeholderAttr(r, n, name);
    }
    // A listed type has exactly the attributes CloudFormation documents: another name is a mistake
    // that deploy would reject too. Nested attributes (`MetadataConfiguration.Destination`) depend on
    // optional configuration the table does not model: they get placeholders.
    if (rule && !name.includes('.')) return undefined;
    return placeholderAttr(r, n, name);
  },
};
