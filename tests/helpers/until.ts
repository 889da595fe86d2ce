/**
 * Polls `probe` (sync or async) every `everyMs` until it returns something other than undefined,
 * and returns that; throws naming `what` after `timeoutMs`. For waits on things that arrive
 * asynchronously (a subscription's delivery, a function's side effect), never as a fixed sleep.
 */
export async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
