import { escapeXml } from '../core/aws_errors.js';
import { SqsError } from './errors.js';
import type { Input } from './validate.js';

/**
 * SQS's two wire protocols over one set of actions: AWS JSON 1.0 (`X-Amz-Target: AmazonSQS.<Action>`,
 * what SDK v3 sends) and the Query protocol (form-encoded `Action=<Action>&…`, XML answers, what the
 * AWS CLI v1 and older SDKs send). Both parse to the JSON protocol's input shape.
 */

export const JSON_TARGET_PREFIX = 'AmazonSQS.';
const XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';

export type Protocol = 'json' | 'query';

export function parseJsonInput(body: Buffer): Input {
  let parsed: unknown;
  try {
    parsed = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    throw new SqsError('InvalidParameterValue', 'The request body is not valid JSON. ((local: AWS JSON 1.0 bodies are JSON objects))');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SqsError('InvalidParameterValue', 'The request body must be a JSON object.');
  }
  return parsed as Input;
}

/** Query members that are lists (`AttributeName.1=…`), by their JSON name. */
const LISTS: Record<string, string> = {
  AttributeName: 'AttributeNames',
  MessageAttributeName: 'MessageAttributeNames',
  MessageSystemAttributeName: 'MessageSystemAttributeNames',
};
/** Query maps (`MessageAttribute.1.Name=…&MessageAttribute.1.Value.StringValue=…`). */
const MAPS: Record<string, string> = {
  MessageAttribute: 'MessageAttributes',
  MessageSystemAttribute: 'MessageSystemAttributes',
  Attribute: 'Attributes',
};
/** Query batch entries (`SendMessageBatchRequestEntry.1.Id=…`). */
const ENTRIES = ['SendMessageBatchRequestEntry', 'DeleteMessageBatchRequestEntry', 'ChangeMessageVisibilityBatchRequestEntry'];

/** Nests flattened Query members (`A.1.B.C=v`) into the JSON protocol's shape. */
function nest(pairs: [string, string][]): Input {
  const out: Input = {};
  const groups = new Map<string, Map<number, [string, string][]>>();
  for (const [key, value] of pairs) {
    const m = /^([A-Za-z]+)\.(\d+)(?:\.(.+))?$/.exec(key);
    if (!m) {
      out[key] = value;
      continue;
    }
    const [, head, index, rest] = m;
    if (Object.hasOwn(LISTS, head) && rest === undefined) {
      const list = (out[LISTS[head]] ??= []) as string[];
      list[Number(index) - 1] = value;
      continue;
    }
    if (rest === undefined) throw new SqsError('MalformedQueryString', `Member ${key} is not valid. ((local: unknown list member))`);
    let byIndex = groups.get(head);
    if (!byIndex) groups.set(head, (byIndex = new Map()));
    const entry = byIndex.get(Number(index)) ?? [];
    entry.push([rest, value]);
    byIndex.set(Number(index), entry);
  }
  for (const [head, byIndex] of groups) {
    const ordered = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, e]) => e);
    if (Object.hasOwn(MAPS, head)) {
      const map: Record<string, unknown> = {};
      for (const entry of ordered) {
        const fields = Object.fromEntries(entry);
        const name = fields.Name;
        if (name === undefined) throw new SqsError('MissingParameter', `The request must contain the parameter ${head}.Name.`);
        const value = nest(entry.filter(([k]) => k.startsWith('Value.')).map(([k, v]) => [k.slice('Value.'.length), v]));
        map[name] = head === 'Attribute' ? fields.Value : value;
      }
      out[MAPS[head]] = map;
    } else if (ENTRIES.includes(head)) {
      out.Entries = ordered.map((entry) => nest(entry));
    } else {
      throw new SqsError('MalformedQueryString', `Member ${head} is not valid. ((local: unknown list member))`);
    }
  }
  return out;
}

export function parseQueryInput(params: URLSearchParams): { action: string; input: Input } {
  const pairs: [string, string][] = [];
  let action = '';
  for (const [k, v] of params) {
    if (k === 'Action') action = v;
    else if (k !== 'Version' && !k.startsWith('X-Amz-')) pairs.push([k, v]);
  }
  return { action, input: nest(pairs) };
}

function element(name: string, value: unknown, action: string): string {
  if (value === undefined || value === null) return '';
  if (name === 'Messages') return (value as Record<string, unknown>[]).map((m) => `<Message>${fields(m, action)}</Message>`).join('');
  if (name === 'QueueUrls') return (value as string[]).map((u) => `<QueueUrl>${escapeXml(u)}</QueueUrl>`).join('');
  if (name === 'Successful') return (value as Record<string, unknown>[]).map((e) => `<${action}ResultEntry>${fields(e, action)}</${action}ResultEntry>`).join('');
  if (name === 'Failed') return (value as Record<string, unknown>[]).map((e) => `<BatchResultErrorEntry>${fields(e, action)}</BatchResultErrorEntry>`).join('');
  if (name === 'Attributes') {
    return Object.entries(value as Record<string, string>)
      .map(([k, v]) => `<Attribute><Name>${escapeXml(k)}</Name><Value>${escapeXml(v)}</Value></Attribute>`)
      .join('');
  }
  if (name === 'MessageAttributes') {
    return Object.entries(value as Record<string, Record<string, string>>)
      .map(([k, v]) => `<MessageAttribute><Name>${escapeXml(k)}</Name><Value>${fields(v, action)}</Value></MessageAttribute>`)
      .join('');
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function fields(o: Record<string, unknown>, action: string): string {
  return Object.entries(o)
    .map(([k, v]) => element(k, v, action))
    .join('');
}

/** A JSON-protocol output as the Query protocol's `<ActionResponse>`. */
export function xmlResponse(action: string, output: Record<string, unknown>, requestId: string): Response {
  const result = Object.keys(output).length > 0 || !['DeleteMessage', 'PurgeQueue', 'ChangeMessageVisibility'].includes(action);
  const body =
    `<?xml version="1.0"?><${action}Response xmlns="${XMLNS}">` +
    (result ? `<${action}Result>${fields(output, action)}</${action}Result>` : '') +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return new Response(body, { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId } });
}

export function jsonResponse(output: Record<string, unknown>, requestId: string): Response {
  return new Response(JSON.stringify(output), {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId },
  });
}
