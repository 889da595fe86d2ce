import type { BackendModel, KmsKeyModel } from '../assembly/model.js';
import { jsonError, newRequestId } from '../core/aws_errors.js';
import { verifyCaller, type Caller } from '../core/caller.js';
import type { Clock } from '../core/clock.js';
import type { CredentialStore } from '../core/registry.js';
import { KmsError, validationError, type KmsErrorName } from './errors.js';
import type { LocalKms } from './local_kms.js';

export const KMS_TARGET_PREFIX = 'TrentService.';
const MAX_BODY_BYTES = 64 * 1024;
const MAX_PLAINTEXT_BYTES = 4096;
const MAX_CIPHERTEXT_BYTES = 6144;

export interface KmsDeps {
  model: Pick<BackendModel, 'region' | 'accountId' | 'iam'>;
  clock: Clock;
  credentials(): CredentialStore | undefined;
  kms: LocalKms;
}

type Input = Record<string, unknown>;

/** Decodes strict base64 (a JSON blob member); undefined when the text is not base64. */
function decodeBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text, 'base64');
}

/** KMS's member constraints, checked in the order the model lists them, all reported at once. */
class Checks {
  readonly problems: string[] = [];
  constructor(private readonly input: Input) {}

  string(member: string, required: boolean, max = 2048): string | undefined {
    const v = this.input[member];
    const at = member.charAt(0).toLowerCase() + member.slice(1);
    if (v === undefined || v === null) {
      if (required) this.problems.push(`Value null at '${at}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    if (typeof v !== 'string') throw new KmsError('SerializationException', `Unexpected value type for ${member} ((local: expected a string))`);
    if (v.length < 1 || v.length > max) {
      this.problems.push(`Value '${v.slice(0, 64)}' at '${at}' failed to satisfy constraint: Member must have length between 1 and ${max}`);
    }
    return v;
  }

  blob(member: string, required: boolean, max: number): Buffer | undefined {
    const v = this.input[member];
    const at = member.charAt(0).toLowerCase() + member.slice(1);
    if (v === undefined || v === null) {
      if (required) this.problems.push(`Value null at '${at}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    const bytes = typeof v === 'string' ? decodeBase64(v) : undefined;
    if (!bytes) throw new KmsError('SerializationException', `Value for ${member} is not valid base64 ((local: blobs are base64 strings))`);
    if (bytes.length < 1 || bytes.length > max) {
      this.problems.push(`Value at '${at}' failed to satisfy constraint: Member must have length between 1 and ${max}`);
    }
    return bytes;
  }

  int(member: string, min: number, max: number): number | undefined {
    const v = this.input[member];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new KmsError('SerializationException', `Unexpected value type for ${member} ((local: expected an integer))`);
    const at = member.charAt(0).toLowerCase() + member.slice(1);
    if (v < min) this.problems.push(`Value '${v}' at '${at}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`);
    if (v > max) this.problems.push(`Value '${v}' at '${at}' failed to satisfy constraint: Member must have value less than or equal to ${max}`);
    return v;
  }

  oneOf(member: string, values: string[]): string | undefined {
    const v = this.input[member];
    if (v === undefined || v === null) return undefined;
    const at = member.charAt(0).toLowerCase() + member.slice(1);
    if (typeof v !== 'string' || !values.includes(v)) {
      this.problems.push(`Value '${String(v)}' at '${at}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(', ')}]`);
      return undefined;
    }
    return v;
  }

  /** EncryptionContext: a map of strings to strings. */
  context(): Record<string, string> {
    const v = this.input.EncryptionContext;
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
      throw new KmsError('SerializationException', 'EncryptionContext must be a map of strings to strings');
    }
    return v as Record<string, string>;
  }

  done(): void {
    if (this.input.GrantTokens !== undefined && !Array.isArray(this.input.GrantTokens)) {
      throw new KmsError('SerializationException', 'GrantTokens must be a list of strings');
    }
    if (this.problems.length) throw validationError(this.problems);
    if (this.input.DryRun === true) throw new KmsError('DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
  }
}

const ALGORITHMS = ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE'];

function keyMetadata(kms: LocalKms, model: KmsDeps['model'], key: KmsKeyModel): Record<string, unknown> {
  return {
    AWSAccountId: model.accountId,
    KeyId: key.keyId,
    Arn: key.arn,
    // JSON timestamps are epoch seconds.
    CreationDate: kms.createdAt(key) / 1000,
    Enabled: key.enabled,
    Description: key.description ?? '',
    KeyUsage: key.keyUsage,
    KeyState: key.enabled ? 'Enabled' : 'Disabled',
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    ...(key.keySpec === 'SYMMETRIC_DEFAULT' ? { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] } : {}),
    MultiRegion: false,
  };
}

/** Pagination by index: the marker is the position of the next entry. */
function page<T>(items: T[], input: Input, checks: Checks): { items: T[]; next?: string } {
  const limit = checks.int('Limit', 1, 1000) ?? 100;
  const marker = checks.string('Marker', false, 1024);
  checks.done();
  const start = marker === undefined ? 0 : Number(marker);
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw new KmsError('InvalidMarkerException', 'The request contains an invalid marker.');
  const slice = items.slice(start, start + limit);
  return { items: slice, next: start + limit < items.length ? String(start + limit) : undefined };
}

type Operation = (input: Input, caller: Caller, deps: KmsDeps) => Record<string, unknown>;

/** Authorizes `kms:<action>` on the key for the caller's role; AccessDeniedException in IAM's words. */
function authorize(caller: Caller, action: string, resource: string): void {
  const result = caller.authorize(`kms:${action}`, resource);
  if (!result.allowed) throw new KmsError('AccessDeniedException', result.message);
}

const OPERATIONS: Record<string, Operation> = {
  Encrypt(input, caller, { kms }) {
    const c = new Checks(input);
    const keyId = c.string('KeyId', true);
    const plaintext = c.blob('Plaintext', true, MAX_PLAINTEXT_BYTES);
    const context = c.context();
    const algorithm = c.oneOf('EncryptionAlgorithm', ALGORITHMS);
    c.done();
    const key = kms.keyOf(keyId!);
    authorize(caller, 'Encrypt', key.arn);
    if (algorithm && algorithm !== 'SYMMETRIC_DEFAULT') throw new KmsError('InvalidKeyUsageException', `The encryption algorithm ${algorithm} is not compatible with the type of the specified KMS key.`);
    return { CiphertextBlob: kms.encryptWith(key, plaintext!, context).toString('base64'), KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  },

  Decrypt(input, caller, { kms }) {
    const c = new Checks(input);
    const blob = c.blob('CiphertextBlob', true, MAX_CIPHERTEXT_BYTES);
    const context = c.context();
    const keyId = c.string('KeyId', false);
    const algorithm = c.oneOf('EncryptionAlgorithm', ALGORITHMS);
    c.done();
    const key = kms.keyOfBlob(blob!, keyId);
    authorize(caller, 'Decrypt', key.arn);
    if (algorithm && algorithm !== 'SYMMETRIC_DEFAULT') throw new KmsError('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
    return { KeyId: key.arn, Plaintext: kms.decryptWith(key, blob!, context).toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  },

  GenerateDataKey(input, caller, deps) {
    return dataKey(input, caller, deps, true);
  },

  GenerateDataKeyWithoutPlaintext(input, caller, deps) {
    return dataKey(input, caller, deps, false);
  },

  DescribeKey(input, caller, { kms, model }) {
    const c = new Checks(input);
    const keyId = c.string('KeyId', true);
    c.done();
    const key = kms.keyOf(keyId!);
    authorize(caller, 'DescribeKey', key.arn);
    return { KeyMetadata: keyMetadata(kms, model, key) };
  },

  ListKeys(input, caller, { kms }) {
    authorize(caller, 'ListKeys', '*');
    const { items, next } = page([...kms.keys], input, new Checks(input));
    return { Keys: items.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })), Truncated: next !== undefined, ...(next ? { NextMarker: next } : {}) };
  },

  ListAliases(input, caller, { kms, model }) {
    authorize(caller, 'ListAliases', '*');
    const c = new Checks(input);
    const keyId = c.string('KeyId', false);
    const only = keyId === undefined ? undefined : kms.keyOf(keyId);
    const aliases = kms.keys
      .filter((k) => !only || k === only)
      .flatMap((k) => k.aliases.map((a) => ({ AliasName: a, AliasArn: `arn:aws:kms:${model.region}:${model.accountId}:${a}`, TargetKeyId: k.keyId })));
    const { items, next } = page(aliases, input, c);
    return { Aliases: items, Truncated: next !== undefined, ...(next ? { NextMarker: next } : {}) };
  },
};

function dataKey(input: Input, caller: Caller, { kms }: KmsDeps, withPlaintext: boolean): Record<string, unknown> {
  const c = new Checks(input);
  const keyId = c.string('KeyId', true);
  const context = c.context();
  const bytes = c.int('NumberOfBytes', 1, 1024);
  const spec = c.oneOf('KeySpec', ['AES_256', 'AES_128']);
  c.done();
  if ((bytes === undefined) === (spec === undefined)) throw new KmsError('ValidationException', 'Please specify either number of bytes or key spec.');
  const key = kms.keyOf(keyId!);
  authorize(caller, withPlaintext ? 'GenerateDataKey' : 'GenerateDataKeyWithoutPlaintext', key.arn);
  const made = kms.dataKeyWith(key, bytes ?? (spec === 'AES_128' ? 16 : 32), context);
  return {
    CiphertextBlob: made.ciphertextBlob.toString('base64'),
    ...(withPlaintext ? { Plaintext: made.plaintext.toString('base64') } : {}),
    KeyId: key.arn,
  };
}

/** AWS KMS (`TrentService.*`, AWS JSON 1.1) for the model's keys, SigV4-verified and IAM-authorized. */
export async function handleKms(req: Request, deps: KmsDeps): Promise<Response> {
  const requestId = newRequestId();
  const fail = (err: KmsError) => err.toResponse(requestId);
  const operation = (req.headers.get('x-amz-target') ?? '').slice(KMS_TARGET_PREFIX.length);
  if (req.method !== 'POST') return fail(new KmsError('UnknownOperationException', `KMS is called with POST ((local: got ${req.method}))`));

  const verified = await verifyCaller(req, {
    service: 'kms',
    model: deps.model,
    clock: deps.clock,
    credentials: deps.credentials(),
    body: { maxBytes: MAX_BODY_BYTES },
  });
  if (!verified.ok) {
    const rejection = verified.rejection;
    switch (rejection.reason) {
      case 'body-too-large':
        return fail(new KmsError('ValidationException', 'Request is too large'));
      case 'body-unreadable':
        throw rejection.error;
      case 'no-credential-store':
        return fail(new KmsError('UnrecognizedClientException', 'The security token included in the request is invalid. ((local: the identity service is not running))'));
      case 'signature':
        return jsonError<KmsErrorName>(rejection.error.json.status, rejection.error.json.type, rejection.error.message, {}, { requestId });
    }
  }

  const handler = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
  if (!handler) {
    return fail(new KmsError('UnknownOperationException', `Operation ${operation} is not supported ((local: emulated: ${Object.keys(OPERATIONS).join(', ')}))`));
  }
  let input: Input;
  try {
    const parsed: unknown = JSON.parse(verified.caller.body.toString('utf8') || '{}');
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    input = parsed as Input;
  } catch {
    return fail(new KmsError('SerializationException', 'Start of structure or map found where not expected. ((local: the body must be a JSON object))'));
  }
  try {
    const body = handler(input, verified.caller, deps);
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId } });
  } catch (err) {
    if (err instanceof KmsError) return fail(err);
    throw err;
  }
}
