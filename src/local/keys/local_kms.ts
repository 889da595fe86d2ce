import type { KmsKeyModel } from '../assembly/model.js';
import type { KeyManager } from '../core/registry.js';
import { open, parseBlob, seal } from './ciphertext.js';
import { KmsError } from './errors.js';
import type { KeyMaterialStore } from './key_material.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The model's KMS keys and what they do: resolving the four forms of KeyId (key id, key ARN,
 * alias name, alias ARN) and the symmetric operations. Authorization is the caller's business
 * (the HTTP handler checks IAM; in-process callers are AWS services acting under a grant).
 */
export class LocalKms implements KeyManager {
  constructor(
    readonly keys: readonly KmsKeyModel[],
    private readonly region: string,
    private readonly accountId: string,
    private readonly material: KeyMaterialStore,
    /** Injected randomness (IVs and data keys). */
    private readonly random: (n: number) => Buffer,
  ) {}

  private aliasArn(name: string): string {
    return `arn:aws:kms:${this.region}:${this.accountId}:${name}`;
  }

  /** The key a KeyId names; NotFoundException in KMS's words otherwise. */
  keyOf(keyId: string): KmsKeyModel {
    const aliasName = keyId.startsWith('alias/') ? keyId : /^arn:[^:]+:kms:[^:]*:\d*:(alias\/.+)$/.exec(keyId)?.[1];
    if (aliasName) {
      const key = this.keys.find((k) => k.aliases.includes(aliasName));
      if (!key || (keyId.startsWith('arn:') && keyId !== this.aliasArn(aliasName))) {
        throw new KmsError('NotFoundException', `Alias ${keyId.startsWith('arn:') ? keyId : this.aliasArn(aliasName)} is not found.`);
      }
      return key;
    }
    const id = keyId.startsWith('arn:') ? /^arn:[^:]+:kms:[^:]*:\d*:key\/(.+)$/.exec(keyId)?.[1] : keyId;
    if (!id || !UUID.test(id)) throw new KmsError('NotFoundException', `Invalid keyId '${keyId}'`);
    const key = this.keys.find((k) => k.keyId === id && (!keyId.startsWith('arn:') || k.arn === keyId));
    if (!key) throw new KmsError('NotFoundException', `Key '${keyId.startsWith('arn:') ? keyId : `arn:aws:kms:${this.region}:${this.accountId}:key/${id}`}' does not exist`);
    return key;
  }

  /** The key a ciphertext blob was made with; with `keyId`, that must be the same key. */
  keyOfBlob(blob: Uint8Array, keyId?: string): KmsKeyModel {
    const parsed = parseBlob(blob);
    const key = parsed && this.keys.find((k) => k.keyId === parsed.keyId);
    if (!key) throw new KmsError('InvalidCiphertextException', '((local: the blob is not a ciphertext of a key of this backend))');
    if (keyId !== undefined && this.keyOf(keyId).keyId !== key.keyId) {
      throw new KmsError('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
    }
    return key;
  }

  /** Checks the key can run a symmetric cryptographic operation now. */
  private usable(key: KmsKeyModel, operation: string): Buffer {
    if (!key.enabled) throw new KmsError('DisabledException', `${key.arn} is disabled.`);
    if (key.keySpec !== 'SYMMETRIC_DEFAULT' || key.keyUsage !== 'ENCRYPT_DECRYPT') {
      throw new KmsError(
        'UnsupportedOperationException',
        `${key.arn} key usage is ${key.keyUsage} (${key.keySpec}), which is not valid for ${operation} ((local: only symmetric encryption keys are emulated))`,
      );
    }
    return this.material.get(key.keyId).material;
  }

  createdAt(key: KmsKeyModel): number {
    return this.material.get(key.keyId).createdAt;
  }

  encryptWith(key: KmsKeyModel, plaintext: Uint8Array, context: Record<string, string>): Buffer {
    return seal(this.usable(key, 'Encrypt'), key.keyId, plaintext, context, this.random(12));
  }

  decryptWith(key: KmsKeyModel, blob: Uint8Array, context: Record<string, string>): Buffer {
    const material = this.usable(key, 'Decrypt');
    const plaintext = open(material, parseBlob(blob)!, context);
    // KMS says nothing more: a wrong context and a tampered blob look the same.
    if (!plaintext) throw new KmsError('InvalidCiphertextException', '');
    return plaintext;
  }

  dataKeyWith(key: KmsKeyModel, numberOfBytes: number, context: Record<string, string>): { plaintext: Buffer; ciphertextBlob: Buffer } {
    this.usable(key, 'GenerateDataKey');
    const plaintext = this.random(numberOfBytes);
    return { plaintext, ciphertextBlob: this.encryptWith(key, plaintext, context) };
  }

  // KeyManager: the in-process face.

  generateDataKey(keyId: string, numberOfBytes: number, context: Record<string, string>) {
    const key = this.keyOf(keyId);
    return { keyArn: key.arn, ...this.dataKeyWith(key, numberOfBytes, context) };
  }

  encrypt(keyId: string, plaintext: Uint8Array, context: Record<string, string>) {
    const key = this.keyOf(keyId);
    return { keyArn: key.arn, ciphertextBlob: this.encryptWith(key, plaintext, context) };
  }

  decrypt(blob: Uint8Array, context: Record<string, string>, keyId?: string) {
    const key = this.keyOfBlob(blob, keyId);
    return { keyArn: key.arn, plaintext: this.decryptWith(key, blob, context) };
  }
}

