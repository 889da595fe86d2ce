import { createCipheriv, createDecipheriv } from 'node:crypto';

/**
 * The local ciphertext blob: self-describing so Decrypt finds its key without a KeyId, as KMS's
 * blobs are. Layout: format byte, the key id (36 ASCII characters of a UUID), a 12-byte IV, the
 * 16-byte AES-GCM tag, then the ciphertext. The AAD binds the key id and the encryption context,
 * so a blob decrypts only with the exact context it was made with.
 */
const FORMAT = 0x01;
const KEY_ID_LENGTH = 36;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const HEADER_LENGTH = 1 + KEY_ID_LENGTH + IV_LENGTH + TAG_LENGTH;

export interface ParsedBlob {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  body: Buffer;
}

/** The context in a canonical order: `{b, a}` and `{a, b}` are the same context. */
function additionalData(keyId: string, context: Record<string, string>): Buffer {
  const entries = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify([keyId, entries]), 'utf8');
}

export function seal(material: Buffer, keyId: string, plaintext: Uint8Array, context: Record<string, string>, iv: Buffer): Buffer {
  if (keyId.length !== KEY_ID_LENGTH) throw new Error(`local KMS key ids are UUIDs (got ${keyId})`);
  const cipher = createCipheriv('aes-256-gcm', material, iv);
  cipher.setAAD(additionalData(keyId, context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([FORMAT]), Buffer.from(keyId, 'ascii'), iv, cipher.getAuthTag(), body]);
}

/** Undefined when the bytes are not a local ciphertext blob. */
export function parseBlob(blob: Uint8Array): ParsedBlob | undefined {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (b.length <= HEADER_LENGTH || b[0] !== FORMAT) return undefined;
  const keyId = b.subarray(1, 1 + KEY_ID_LENGTH).toString('ascii');
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(keyId)) return undefined;
  let at = 1 + KEY_ID_LENGTH;
  const iv = b.subarray(at, (at += IV_LENGTH));
  const tag = b.subarray(at, (at += TAG_LENGTH));
  return { keyId, iv, tag, body: b.subarray(at) };
}

/** The plaintext, or undefined when the tag does not verify (another key, another context, tampering). */
export function open(material: Buffer, blob: ParsedBlob, context: Record<string, string>): Buffer | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', material, blob.iv);
    decipher.setAAD(additionalData(blob.keyId, context));
    decipher.setAuthTag(blob.tag);
    return Buffer.concat([decipher.update(blob.body), decipher.final()]);
  } catch {
    return undefined;
  }
}
