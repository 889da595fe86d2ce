import type { UserPoolModel } from '../assembly/model.js';
import type { KeyManager } from '../core/registry.js';

/**
 * Cognito's custom sender triggers: instead of sending a message, Cognito encrypts the code (or
 * temporary password) with the AWS Encryption SDK under the pool's KMS key (`LambdaConfig.KMSKeyID`)
 * and invokes the function, which decrypts it with `KmsKeyringNode` (a KMS Decrypt of the data key).
 */

export type SenderTrigger = 'CustomEmailSender' | 'CustomSMSSender';

export const senderTrigger = (channel: 'email' | 'sms'): SenderTrigger => (channel === 'email' ? 'CustomEmailSender' : 'CustomSMSSender');

/** `request.type` of the V1_0 event. */
export const requestType = (trigger: SenderTrigger) => (trigger === 'CustomEmailSender' ? 'customEmailSenderRequestV1' : 'customSMSSenderRequestV1');

/** The encryption context Cognito binds a code to: the pool it was issued by. */
export const codeContext = (pool: Pick<UserPoolModel, 'id'>) => ({ 'userpool-id': pool.id });

interface KmsRequest {
  KeyId?: string;
  NumberOfBytes?: number;
  Plaintext?: Uint8Array;
  EncryptionContext?: Record<string, string>;
}

/**
 * A KMS client for the Encryption SDK's keyring that calls the local keys service in process, as
 * Cognito calls KMS under its grant: the data key's EDK is then `aws-kms` / the key ARN / a local
 * KMS ciphertext, which the function's own keyring decrypts through the KMS endpoint.
 */
function inProcessKmsClient(kms: KeyManager) {
  return {
    async generateDataKey({ KeyId, NumberOfBytes, EncryptionContext }: KmsRequest) {
      const out = kms.generateDataKey(String(KeyId), NumberOfBytes ?? 32, EncryptionContext ?? {});
      return { KeyId: out.keyArn, Plaintext: new Uint8Array(out.plaintext), CiphertextBlob: new Uint8Array(out.ciphertextBlob) };
    },
    async encrypt({ KeyId, Plaintext, EncryptionContext }: KmsRequest) {
      const out = kms.encrypt(String(KeyId), Plaintext ?? new Uint8Array(), EncryptionContext ?? {});
      return { KeyId: out.keyArn, CiphertextBlob: new Uint8Array(out.ciphertextBlob) };
    },
  };
}

/** The base64 AWS Encryption SDK message Cognito puts in `request.code`. Throws KMS's errors. */
export async function encryptCode(kms: KeyManager, pool: Pick<UserPoolModel, 'id' | 'kmsKeyArn'>, code: string): Promise<string> {
  if (!pool.kmsKeyArn) throw new Error('the user pool has custom senders but no KMSKeyID');
  // Loaded on first use: only pools with custom senders pay for the Encryption SDK.
  const { buildClient, CommitmentPolicy, KmsKeyringNode } = await import('@aws-crypto/client-node');
  const client = inProcessKmsClient(kms);
  const keyring = new KmsKeyringNode({
    generatorKeyId: pool.kmsKeyArn,
    clientProvider: (() => client) as unknown as NonNullable<NonNullable<ConstructorParameters<typeof KmsKeyringNode>[0]>['clientProvider']>,
  });
  const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);
  const { result } = await encrypt(keyring, Buffer.from(code, 'utf8'), { encryptionContext: codeContext(pool) });
  return result.toString('base64');
}
