import type { BackendModel } from '../assembly/model.js';
import type { Registry } from './registry.js';
import type { Clock, IdSource } from './clock.js';
import type { Outbox } from './outbox.js';
import type { Logger } from './logger.js';

/** What every service gets: the model, where to keep state, and the shared parts of the frame. */
export interface ServiceContext {
  model: BackendModel;
  /** The service's own folder under the data dir (created by the frame). */
  dataDir: string;
  /** `https://127.0.0.1:<port>`; set before `start()` is called. */
  endpoint: string;
  /** The local CA's certificate (PEM file): what processes the cloud starts must trust. */
  caCertPath?: string;
  registry: Registry;
  clock: Clock;
  ids: IdSource;
  outbox: Outbox;
  log: Logger;
}

/** The part of an HTTP upgrade a service needs to accept a WebSocket (realtime GraphQL). */
export interface UpgradeRequest {
  url: URL;
  headers: Headers;
  /** Node's raw objects, for `ws`'s `handleUpgrade`. */
  raw: { req: import('node:http').IncomingMessage; socket: import('node:stream').Duplex; head: Buffer };
}

/**
 * One emulated AWS service. Services never import each other: they meet through the registry.
 * `fetch` is a plain WHATWG handler so handler tests need no sockets.
 */
export interface LocalService {
  readonly name: string;
  /** True when this request is this service's (path prefix, `X-Amz-Target`, host...). */
  matches(req: Request, url: URL): boolean;
  fetch(req: Request): Promise<Response>;
  /** Optional WebSocket upgrade handling; return false to decline. */
  upgrade?(req: UpgradeRequest): boolean;
  /** Publish capabilities into the registry. Called for every service before any `start`. */
  provide?(registry: Registry): void;
  /** Load state, open engines, look up peers in the registry. The endpoint is known here. */
  start(): Promise<void>;
  /** Drop all state (tests, `POST /_local/reset`). */
  reset(): Promise<void>;
  stop(): Promise<void>;
  /** Lines for the start-up banner (endpoints, notes such as resolvers that cannot run). */
  describe?(): string[];
  /**
   * Read-only views the admin API serves as JSON at `GET /_local/<service>/<view>?…` (recent
   * invocations, recorded requests, stream records...). A view returns undefined for "not found".
   */
  views?: Record<string, (query: URLSearchParams) => unknown>;
}

export type ServiceFactory = (ctx: ServiceContext) => LocalService;
