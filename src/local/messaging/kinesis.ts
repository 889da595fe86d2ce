import type { BackendModel } from '../assembly/model.js';
import { jsonError, newRequestId, type CommonErrorName } from '../core/aws_errors.js';
import { verifyCaller } from '../core/caller.js';
import type { Clock } from '../core/clock.js';
import type { CredentialStore } from '../core/registry.js';
import type { StoredRecord, StreamStore } from './stream_store.js';

export const KINESIS_TARGET_PREFIX = 'Kinesis_20131202.';
const MAX_RECORD_BYTES = 1024 * 1024;
const MAX_PUT_RECORDS_BYTES = 5 * 1024 * 1024;
const MAX_PUT_RECORDS = 500;
/** A PutRecords body carries up to 5 MB of data, base64 inflated, plus keys. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface KinesisDeps {
  model: BackendModel;
  clock: Clock;
  credentials(): CredentialStore | undefined;
  stream(name: string): StreamStore | undefined;
}

/** The `__type`s Kinesis Data Streams answers PutRecord(s) with. */
type KinesisErrorName = CommonErrorName | 'InvalidArgumentException' | 'ResourceNotFoundException';

class KinesisError extends Error {
  constructor(
    readonly type: KinesisErrorName,
    message: string,
  ) {
    super(message);
  }
}

const validation = (problems: string[]) =>
  new KinesisError('ValidationException', `${problems.length} validation error${problems.length > 1 ? 's' : ''} detected: ${problems.join('; ')}`);

/** Decodes strict base64; undefined when the text is not base64. */
function decodeBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text, 'base64');
}

interface RecordInput {
  Data?: unknown;
  PartitionKey?: unknown;
  ExplicitHashKey?: unknown;
}

/** Checks one record the way Kinesis's model constraints do; `at` names its place in the request. */
function checkRecord(input: RecordInput, at: string): { problems: string[]; bytes: number } {
  const problems: string[] = [];
  let bytes = 0;
  if (input.Data === undefined || input.Data === null) {
    problems.push(`Value null at '${at}data' failed to satisfy constraint: Member must not be null`);
  } else if (typeof input.Data !== 'string' || decodeBase64(input.Data) === undefined) {
    throw new KinesisError('SerializationException', `Value for '${at}data' is not valid base64 ((local: Data is a base64-encoded blob))`);
  } else {
    bytes = decodeBase64(input.Data)!.length;
    if (bytes > MAX_RECORD_BYTES) {
      problems.push(`Value at '${at}data' failed to satisfy constraint: Member must have length less than or equal to ${MAX_RECORD_BYTES}`);
    }
  }
  const key = input.PartitionKey;
  if (key === undefined || key === null) {
    problems.push(`Value null at '${at}partitionKey' failed to satisfy constraint: Member must not be null`);
  } else if (typeof key !== 'string' || key.length < 1 || key.length > 256) {
    problems.push(`Value '${String(key)}' at '${at}partitionKey' failed to satisfy constraint: Member must have length between 1 and 256`);
  }
  if (input.ExplicitHashKey !== undefined && (typeof input.ExplicitHashKey !== 'string' || !/^(0|[1-9]\d{0,38})$/.test(input.ExplicitHashKey))) {
    problems.push(`Value '${String(input.ExplicitHashKey)}' at '${at}explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})`);
  }
  return { problems, bytes };
}

/** Kinesis Data Streams' `PutRecord` and `PutRecords` (AWS JSON 1.1), for the model's streams. */
export async function handleKinesis(req: Request, deps: KinesisDeps): Promise<Response> {
  const { model } = deps;
  const requestId = newRequestId();
  const fail = (status: number, type: KinesisErrorName, message: string) => jsonError<KinesisErrorName>(status, type, message, {}, { requestId });
  const operation = (req.headers.get('x-amz-target') ?? '').slice(KINESIS_TARGET_PREFIX.length);
  if (req.method !== 'POST') return fail(400, 'UnknownOperationException', `Kinesis is called with POST ((local: got ${req.method}))`);

  const verified = await verifyCaller(req, {
    service: 'kinesis',
    model,
    clock: deps.clock,
    credentials: deps.credentials(),
    body: { maxBytes: MAX_BODY_BYTES },
  });
  if (!verified.ok) {
    const rejection = verified.rejection;
    switch (rejection.reason) {
      case 'body-too-large':
        return fail(413, 'ValidationException', 'Request is too large');
      case 'body-unreadable':
        throw rejection.error;
      case 'no-credential-store':
        return fail(400, 'UnrecognizedClientException', 'The security token included in the request is invalid. ((local: the identity service is not running))');
      case 'signature':
        return fail(rejection.error.json.status, rejection.error.json.type, rejection.error.message);
    }
  }
  const { caller } = verified;
  const { body, credentials: creds } = caller;

  if (operation !== 'PutRecord' && operation !== 'PutRecords') {
    return fail(400, 'UnknownOperationException', `Operation ${operation} is not supported ((local: only PutRecord and PutRecords are emulated))`);
  }

  let input: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    input = parsed as Record<string, unknown>;
  } catch {
    return fail(400, 'SerializationException', 'Start of structure or map found where not expected. ((local: the body must be a JSON object))');
  }

  try {
    // The stream ARN is what IAM evaluates, whether the stream exists or not.
    const streamName = typeof input.StreamName === 'string' ? input.StreamName : typeof input.StreamARN === 'string' ? input.StreamARN.split('/').pop() : undefined;
    if (!streamName) throw new KinesisError('InvalidArgumentException', 'StreamName or StreamARN must be provided');
    const streamArn = typeof input.StreamARN === 'string' ? input.StreamARN : `arn:aws:kinesis:${model.region}:${model.accountId}:stream/${streamName}`;

    const authz = caller.authorize(`kinesis:${operation}`, streamArn);
    if (!authz.allowed) throw new KinesisError('AccessDeniedException', authz.message);

    const stream = deps.stream(streamName);
    const known = model.messaging.kinesisStreams.find((s) => s.name === streamName);
    if (!stream || !known || (typeof input.StreamARN === 'string' && input.StreamARN !== known.arn)) {
      throw new KinesisError('ResourceNotFoundException', `Stream ${streamName} under account ${model.accountId} not found.`);
    }

    const put = (r: RecordInput): StoredRecord =>
      stream.append({
        partitionKey: r.PartitionKey as string,
        data: r.Data as string,
        ...(typeof r.ExplicitHashKey === 'string' ? { explicitHashKey: r.ExplicitHashKey } : {}),
        callerRoleArn: creds.roleArn,
      });

    if (operation === 'PutRecord') {
      const { problems } = checkRecord(input, '');
      if (problems.length) throw validation(problems);
      const record = put(input);
      // Acknowledged records are on disk first: a crash right after the answer cannot lose them.
      await stream.persisted();
      return json({ ShardId: record.shardId, SequenceNumber: record.sequenceNumber }, requestId);
    }

    const records = input.Records;
    if (!Array.isArray(records)) throw validation(["Value null at 'records' failed to satisfy constraint: Member must not be null"]);
    if (records.length < 1 || records.length > MAX_PUT_RECORDS) {
      throw validation([`Value '${JSON.stringify(records).slice(0, 40)}…' at 'records' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PUT_RECORDS} and greater than or equal to 1`]);
    }
    const problems: string[] = [];
    let total = 0;
    records.forEach((r: unknown, i) => {
      const checked = checkRecord((r ?? {}) as RecordInput, `records.${i + 1}.member.`);
      problems.push(...checked.problems);
      total += checked.bytes + String((r as RecordInput | null)?.PartitionKey ?? '').length;
    });
    if (problems.length) throw validation(problems);
    if (total > MAX_PUT_RECORDS_BYTES) {
      throw new KinesisError('InvalidArgumentException', `Records size exceeds ${MAX_PUT_RECORDS_BYTES / 1024 / 1024} MB limit`);
    }
    const stored = records.map((r: RecordInput) => put(r));
    await stream.persisted();
    return json({ FailedRecordCount: 0, Records: stored.map((s) => ({ SequenceNumber: s.sequenceNumber, ShardId: s.shardId })) }, requestId);
  } catch (err) {
    if (err instanceof KinesisError) return fail(400, err.type, err.message);
    throw err;
  }
}

function json(body: unknown, requestId: string): Response {
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
  });
}
