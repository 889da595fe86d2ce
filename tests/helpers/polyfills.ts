/**
 * Browser globals the real `aws-amplify` client expects and Node 20 lacks: WebSocket (GraphQL
 * subscriptions) and FileReader (Storage reads Blobs with it). Import this first in E2E tests.
 */
import WebSocketImpl from 'ws';

type Handler = ((this: MinimalFileReader, ev: { target: MinimalFileReader }) => void) | null;

/** Enough of FileReader for the Amplify client: the three read methods and their events. */
export class MinimalFileReader {
  static readonly EMPTY = 0;
  static readonly LOADING = 1;
  static readonly DONE = 2;
  readyState = 0;
  result: string | ArrayBuffer | null = null;
  error: Error | null = null;
  onload: Handler = null;
  onloadend: Handler = null;
  onerror: Handler = null;
  onabort: Handler = null;
  private readonly listeners = new Map<string, Set<(ev: { target: MinimalFileReader }) => void>>();

  readAsArrayBuffer(blob: Blob): void {
    this.read(blob, async (b) => b.arrayBuffer());
  }

  readAsText(blob: Blob, encoding = 'utf-8'): void {
    this.read(blob, async (b) => new TextDecoder(encoding).decode(await b.arrayBuffer()));
  }

  readAsDataURL(blob: Blob): void {
    this.read(blob, async (b) => `data:${b.type || 'application/octet-stream'};base64,${Buffer.from(await b.arrayBuffer()).toString('base64')}`);
  }

  abort(): void {
    this.readyState = MinimalFileReader.DONE;
    this.emit('abort');
  }

  addEventListener(type: string, fn: (ev: { target: MinimalFileReader }) => void): void {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(fn);
  }

  removeEventListener(type: string, fn: (ev: { target: MinimalFileReader }) => void): void {
    this.listeners.get(type)?.delete(fn);
  }

  private read(blob: Blob, convert: (b: Blob) => Promise<string | ArrayBuffer>): void {
    this.readyState = MinimalFileReader.LOADING;
    convert(blob).then(
      (result) => {
        this.result = result;
        this.readyState = MinimalFileReader.DONE;
        this.emit('load');
        this.emit('loadend');
      },
      (err: unknown) => {
        this.error = err instanceof Error ? err : new Error(String(err));
        this.readyState = MinimalFileReader.DONE;
        this.emit('error');
        this.emit('loadend');
      },
    );
  }

  private emit(type: 'load' | 'loadend' | 'error' | 'abort'): void {
    const ev = { target: this };
    const handler = { load: this.onload, loadend: this.onloadend, error: this.onerror, abort: this.onabort }[type];
    handler?.call(this, ev);
    for (const fn of this.listeners.get(type) ?? []) fn(ev);
  }
}

const g = globalThis as Record<string, unknown>;
if (typeof g.WebSocket === 'undefined') g.WebSocket = WebSocketImpl;
if (typeof g.FileReader === 'undefined') g.FileReader = MinimalFileReader;
