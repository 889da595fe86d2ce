import { bool } from './context.js';
import type { LoadContext } from './context.js';
import type { KeysModel } from './model_keys.js';

/** Every `AWS::KMS::Key` of the assembly, with the aliases (`AWS::KMS::Alias`) that target it. */
export function loadKeys(ctx: LoadContext): KeysModel {
  const { r } = ctx;
  const aliases = r.resources('AWS::KMS::Alias').map((n) => ({
    name: String(r.ref(n.stack, n.logicalId)),
    // TargetKeyId is a key id or a key ARN.
    target: String(r.propString(n, 'TargetKeyId') ?? '').split('/').pop() ?? '',
  }));
  const keys = r.resources('AWS::KMS::Key').map((n) => {
    const keyId = String(r.ref(n.stack, n.logicalId));
    return {
      logicalId: n.logicalId,
      keyId,
      arn: String(r.getAtt(n.stack, n.logicalId, 'Arn')),
      description: r.propString(n, 'Description'),
      enabled: bool(r.prop(n, 'Enabled'), true),
      keySpec: r.propString(n, 'KeySpec') ?? 'SYMMETRIC_DEFAULT',
      keyUsage: r.propString(n, 'KeyUsage') ?? 'ENCRYPT_DECRYPT',
      rotationEnabled: bool(r.prop(n, 'EnableKeyRotation'), false),
      aliases: aliases.filter((a) => a.target === keyId).map((a) => a.name),
    };
  });
  return { keys };
}
