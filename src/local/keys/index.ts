import type { LocalService, ServiceContext } from '../core/service.js';
import { KeyMaterialStore } from './key_material.js';
import { handleKms, KMS_TARGET_PREFIX } from './kms_api.js';
import { LocalKms } from './local_kms.js';
import { keysSnapshot } from './snapshot.js';

/**
 * AWS KMS for the model's `AWS::KMS::Key`s: Encrypt, Decrypt, GenerateDataKey(WithoutPlaintext),
 * DescribeKey, ListKeys and ListAliases over JSON 1.1 (`TrentService.*`), SigV4-verified and
 * authorized by the caller's role policies. Key material is generated per data dir. Offers
 * `keys.kms`, through which Cognito encrypts the codes it hands custom sender triggers.
 */
export function createKeysService(ctx: ServiceContext): LocalService {
  const keys = ctx.model.keys?.keys ?? [];
  const material = new KeyMaterialStore(ctx.dataDir, (n) => ctx.ids.bytes(n), () => ctx.clock.now());
  const kms = new LocalKms(keys, ctx.model.region, ctx.model.accountId, material, (n) => ctx.ids.bytes(n));

  return {
    name: 'keys',
    snapshot: keysSnapshot(keys, material),
    // KMS answers for any backend: without keys in the template every KeyId is NotFoundException.
    matches(req) {
      return (req.headers.get('x-amz-target') ?? '').startsWith(KMS_TARGET_PREFIX);
    },
    async fetch(req) {
      try {
        return await handleKms(req, { model: ctx.model, clock: ctx.clock, credentials: () => ctx.registry.tryGet('identity.credentials'), kms });
      } finally {
        if (req.body && !req.bodyUsed) await req.body.cancel().catch(() => {});
      }
    },
    async start() {
      material.load();
      return keys.length ? { 'keys.kms': kms } : {};
    },
    // Keys belong to the deployment, not to its data: a reset keeps them (and what they encrypted).
    async reset() {},
    async stop() {},
    describe() {
      return keys.map((k) => `keys: KMS key ${k.arn}${k.aliases.length ? ` (${k.aliases.join(', ')})` : ''}${k.enabled ? '' : ' — disabled'}`);
    },
  };
}
