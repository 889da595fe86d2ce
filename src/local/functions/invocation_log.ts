/** Who asked for an invocation (for the console's per-function history). */
export type InvocationSource = 'lambda-api' | 'cognito' | 'appsync' | 'dynamodb-stream' | 'schedule' | 's3' | 'sqs' | 'invoker';

export type InvocationOutcomeKind = 'success' | 'error' | 'timeout' | 'crash';

export interface InvocationRecord {
  requestId: string;
  functionName: string;
  /** ISO 8601, from the injected clock. */
  startedAt: string;
  durationMs: number;
  outcome: InvocationOutcomeKind;
  source: InvocationSource;
  /** True when a new runtime process had to start for this invocation. */
  coldStart: boolean;
  errorType?: string;
  errorMessage?: string;
}

/** A bounded ring of the most recent invocations: memory stays flat however long the cloud runs. */
export class InvocationLog {
  private readonly items: InvocationRecord[] = [];

  constructor(private readonly capacity = 100) {}

  add(record: InvocationRecord): void {
    this.items.push(record);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
  }

  /** Newest first. */
  list(): InvocationRecord[] {
    return [...this.items].reverse();
  }

  clear(): void {
    this.items.length = 0;
  }
}

/** Guesses the caller from the event's shape, so the history says who invoked without a side channel. */
export function sourceOfEvent(event: unknown): InvocationSource {
  if (event && typeof event === 'object') {
    const e = event as Record<string, unknown>;
    if (typeof e.triggerSource === 'string' && 'userPoolId' in e) return 'cognito';
    if ('arguments' in e && ('info' in e || 'fieldName' in e)) return 'appsync';
    const first = Array.isArray(e.Records) ? (e.Records[0] as Record<string, unknown> | undefined) : undefined;
    if (first?.eventSource === 'aws:dynamodb') return 'dynamodb-stream';
    if (first?.eventSource === 'aws:s3') return 's3';
    if (first?.eventSource === 'aws:sqs') return 'sqs';
  }
  return 'invoker';
}
