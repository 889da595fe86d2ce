import type { CredentialStore } from './registry.js';
import { decodeUriComponentSafe } from './uri.js';

/**
 * The front door's log of recent requests for the console: which service, which operation, who
 * called, the status and how long it took. A bounded ring (the last `capacity` requests) so memory
 * stays flat however long the cloud runs. The caller is what the request claims (the access key's
 * owner, a JWT's user name), read without verifying: the services verify, the journal only tells.
 */

export interface JournalEntry {
  /** Increasing sequence number (stable across reads: the console asks for entries after one). */
  seq: number;
  /** Epoch ms when the request arrived. */
  at: number;
  service: string;
  method: string;
  path: string;
  /** `AdminCreateUser`, `GetObject`, a GraphQL operation name… when it can be told cheaply. */
  operation?: string;
  status: number;
  latencyMs: number;
  caller?: string;
}

export interface JournalFilter {
  service?: string;
  /** `2xx`, `4xx`, `5xx`, or an exact status. */
  status?: string;
  /** Only entries with a larger `seq`. */
  after?: number;
  limit?: number;
}

export class RequestJournal {
  /** A fixed ring: entry `seq` lives at `(seq - 1) % capacity`, so adding never moves the others. */
  private readonly ring: JournalEntry[] = [];
  private seq = 0;
  /** The last `seq` before the latest `clear()`: older entries are gone. */
  private cleared = 0;

  constructor(
    readonly capacity = 2000,
    private readonly credentials: () => CredentialStore | undefined = () => undefined,
    /** Epoch ms (the cloud's clock). */
    readonly now: () => number = Date.now,
  ) {}

  add(entry: Omit<JournalEntry, 'seq'>): JournalEntry {
    const full = { ...entry, seq: ++this.seq };
    this.ring[(full.seq - 1) % this.capacity] = full;
    return full;
  }

  /** Newest first. */
  list(filter: JournalFilter = {}): JournalEntry[] {
    const out: JournalEntry[] = [];
    const limit = filter.limit ?? this.capacity;
    const oldest = Math.max(this.cleared + 1, this.seq - this.capacity + 1);
    for (let seq = this.seq; seq >= oldest && out.length < limit; seq--) {
      const e = this.ring[(seq - 1) % this.capacity];
      if (filter.after !== undefined && e.seq <= filter.after) break;
      if (filter.service && e.service !== filter.service) continue;
      if (filter.status && !statusMatches(e.status, filter.status)) continue;
      out.push(e);
    }
    return out;
  }

  clear(): void {
    this.ring.length = 0;
    // Sequence numbers keep growing: a console that asked for entries after N sees only newer ones.
    this.cleared = this.seq;
  }

  /** Who the request says it is: the owner of a SigV4 access key, or a bearer token's user. */
  callerOf(req: Request): string | undefined {
    const auth = req.headers.get('authorization') ?? '';
    const credential = /Credential=([A-Z0-9]+)\//.exec(auth) ?? /[?&]X-Amz-Credential=([A-Z0-9]+)%2F/i.exec(req.url);
    if (credential) {
      const c = this.credentials()?.lookup(credential[1]);
      if (!c) return `unknown key ${credential[1]}`;
      if (c.kind === 'account') return 'developer keys';
      if (c.kind === 'function') return `function ${c.functionName ?? ''}`.trim();
      if (c.username) return `${c.username} (${c.kind})`;
      if (c.kind === 'assumed-role') return `role ${c.roleArn.split('/').pop()}/${c.sessionName ?? ''}`;
      return `${c.kind}${c.identityId ? ` ${c.identityId}` : ''}`;
    }
    const jwt = /^(?:Bearer\s+)?([\w-]+)\.([\w-]+)\.[\w-]*$/.exec(auth.trim());
    if (jwt) {
      try {
        const claims = JSON.parse(Buffer.from(jwt[2], 'base64url').toString('utf8')) as Record<string, unknown>;
        const name = claims['cognito:username'] ?? claims.username ?? claims.sub;
        if (typeof name === 'string') return name;
      } catch {
        // not a JWT after all
      }
    }
    if (req.headers.get('x-api-key')) return 'api key';
    return undefined;
  }
}

function statusMatches(status: number, wanted: string): boolean {
  const m = /^([1-5])xx$/i.exec(wanted);
  if (m) return Math.floor(status / 100) === Number(m[1]);
  return String(status) === wanted;
}

/**
 * The operation, from what the request shows without reading its body: the JSON protocols'
 * target, S3 and Lambda from method and path. GraphQL services label their requests themselves
 * (`labelRequest`), having parsed the document anyway.
 */
export function operationOf(service: string, req: Request, url: URL): string | undefined {
  const target = req.headers.get('x-amz-target');
  if (target) return target.slice(target.lastIndexOf('.') + 1);
  if (service === 'storage') return s3Operation(req.method, url);
  const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
  if (invoke) return `Invoke ${decodeUriComponentSafe(invoke[1]) ?? invoke[1]}`;
  return url.searchParams.get('Action') ?? undefined;
}

function s3Operation(method: string, url: URL): string {
  const [, bucket, ...key] = url.pathname.split('/');
  const q = url.searchParams;
  if (!bucket) return method === 'GET' ? 'ListBuckets' : method;
  const hasKey = key.join('/') !== '';
  if (q.has('uploads')) return 'CreateMultipartUpload';
  if (q.has('uploadId')) return method === 'PUT' ? 'UploadPart' : method === 'POST' ? 'CompleteMultipartUpload' : method === 'DELETE' ? 'AbortMultipartUpload' : 'ListParts';
  if (q.has('delete')) return 'DeleteObjects';
  if (!hasKey) return method === 'GET' ? (q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects') : method === 'HEAD' ? 'HeadBucket' : method;
  switch (method) {
    case 'GET':
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'PUT':
      return 'PutObject';
    case 'DELETE':
      return 'DeleteObject';
    default:
      return method;
  }
}
