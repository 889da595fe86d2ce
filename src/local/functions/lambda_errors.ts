/** The error payloads Lambda's Node.js runtime returns for failed invocations. */
export interface LambdaErrorPayload {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

/** `Task timed out after 3.00 seconds`, with the request id first, as Lambda words it. */
export function timeoutError(requestId: string, timeoutSeconds: number): LambdaErrorPayload {
  return {
    errorType: 'Sandbox.Timedout',
    errorMessage: `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
  };
}

/** The runtime process ended in the middle of an invocation (process.exit, a native crash, a kill). */
export function exitError(
  requestId: string,
  code: number | null,
  signal: NodeJS.Signals | null,
  outOfMemory: boolean,
): LambdaErrorPayload {
  const how = signal ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal.toLowerCase().replace(/^sig/, '')}` : `exit status ${code ?? 0}`;
  return {
    errorType: outOfMemory ? 'Runtime.OutOfMemory' : 'Runtime.ExitError',
    errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${how}`,
  };
}

/** The runtime could not be started at all (node missing, code folder gone). */
export function startError(requestId: string, message: string): LambdaErrorPayload {
  return {
    errorType: 'Runtime.ExitError',
    errorMessage: `RequestId: ${requestId} Error: Runtime failed to start: ${message}`,
  };
}

/** Lambda's limit for a synchronous response payload (6 MB). */
export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

export function responseTooLargeError(size: number): LambdaErrorPayload {
  return {
    errorType: 'Function.ResponseSizeTooLarge',
    errorMessage: `Response payload size (${size} bytes) exceeded maximum allowed payload size (${MAX_SYNC_PAYLOAD_BYTES} bytes).`,
  };
}
