import type { BackendModel } from '../assembly/model.js';
import type { AccountKeys } from './account.js';
import type { Capabilities, Peers } from './registry.js';
import type { Clock, IdSource } from './clock.js';
import type { Outbox } from './outbox.js';
import type { Logger } from './logger.js';
import type { MetricTimeline } from './metric_timeline.js';

/** What every service gets: the model, where to keep state, and the shared parts of the frame. */
export interface ServiceContext {
  model: BackendModel;
  /** The service's own folder under the data dir (created by the frame). */
  dataDir: string;
  /** `https://127.0.0.1:<port>`; set before `start()` is called. */
  endpoint: string;
  /** The local CA's certificate (PEM file): what processes the cloud starts must trust. */
  caCertPath?: string;
  /**
   * What the other services offer, for lookups while serving requests. Complete once every service
   * has started; a service that needs a peer at start-up waits for `connect`.
   */
  registry: Peers;
  clock: Clock;
  ids: IdSource;
  outbox: Outbox;
  log: Logger;
  /** The account's developer keys (default `DEFAULT_ACCOUNT_KEYS`). */
  accountKeys?: AccountKeys;
  /** Per-interval datapoints under CloudWatch's metric names, drawn by the console's dashboard. */
  metrics?: MetricTimeline;
  /**
   * AWS-hostname mode: clients reach the services under their AWS names (`cognito-idp.<region>.amazonaws.com`...),
   * so what names a service publicly (a user pool's token issuer) uses those names, not `endpoint`.
   */
  awsHostnames?: boolean;
}

/** The part of an HTTP upgrade a service needs to accept a WebSocket (realtime GraphQL). */
export interface UpgradeRequest {
  url: URL;
  headers: Headers;
  /** Node's raw objects, for `ws`'s `handleUpgrade`. */
  raw: { req: import('node:http').IncomingMessage; socket: import('node:stream').Duplex; head: Buffer };
}

/** Every service the local cloud runs; each keeps its state in `<dataDir>/<name>`. */
export const SERVICE_NAMES = ['auth', 'data', 'functions', 'identity', 'keys', 'messaging', 'parameters', 'queues', 'storage', 'sts'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** What the front door routes to: a service, or the frame's own admin API. */
export interface RequestHandler {
  readonly name: string;
  /** True when this request is this handler's (path prefix, `X-Amz-Target`, host...). */
  matches(req: Request, url: URL): boolean;
  fetch(req: Request): Promise<Response>;
}

/** The capabilities a service publishes once it has started (see `Capabilities`). */
export type Offers = Partial<Capabilities>;

/**
 * One emulated AWS service. Services never import each other: they meet through the registry.
 * `fetch` is a plain WHATWG handler so handler tests need no sockets.
 *
 * Lifecycle, driven by the frame: create (every service) → listen (the endpoint is known) →
 * `start` (every service, in order; each returns what it offers, published at once) →
 * `connect` (every service, once all have published) → serve → `stop` (reverse order).
 */
export interface LocalService extends RequestHandler {
  readonly name: ServiceName;
  /** Optional WebSocket upgrade handling; return false to decline. */
  upgrade?(req: UpgradeRequest): boolean;
  /** Load state and open engines (the endpoint is known here); returns the capabilities now served. */
  start(): Promise<Offers | void>;
  /** Every service has started and published: wire up to peers (subscriptions, eager lookups). */
  connect?(peers: Peers): void;
  /** Drop all state (tests, `POST /_local/reset`). */
  reset(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Hot reload in place: serve `next` (a re-synthesized backend) without stopping, keeping state and
   * connections; the offers of `start()` stay valid. Must be atomic: on a throw the service still
   * serves the old model. Services without it are replaced (stop, create, start, connect) instead.
   * Returns lines worth telling the developer (e.g. a table whose items had to be dropped), or
   * undefined, having changed nothing, when this change needs the service replaced.
   */
  reload?(next: BackendModel): Promise<string[] | undefined>;
  /** Lines for the start-up banner (endpoints, notes such as resolvers that cannot run). */
  describe?(): string[];
  /**
   * Read-only views the admin API serves as JSON at `GET /_local/<service>/<view>?…` (recent
   * invocations, recorded requests, stream records...). A view returns undefined for "not found".
   */
  views?: Record<string, (query: URLSearchParams) => unknown>;
  /**
   * Commands the admin API serves at `POST /_local/<service>/<collection>/<name>/<verb>`, keyed
   * `<collection>/<verb>` (`schedules/run`), answered as JSON. An action resolves to undefined for
   * "not found".
   */
  actions?: Record<string, (name: string, query: URLSearchParams) => Promise<unknown>>;
  /** Export and import of the service's state as snapshot files (`--import`, `--export-on-exit`). */
  snapshot?: ServiceSnapshot;
}

/** Counts of what a snapshot part holds, e.g. `{ users: 3, pools: 1 }`. */
export type PartCounts = Record<string, number>;

/** An import that was read and checked in full, ready to replace the service's state. */
export interface PreparedImport {
  counts: PartCounts;
  /** What was skipped or changed on the way (a table this backend lacks...), one line each. */
  warnings: string[];
  /** Replaces the service's state with the part. Runs only once every part has been checked. */
  apply(): Promise<void>;
}

/**
 * A service's part of a snapshot: the folder `<snapshot>/<service>/`, in a documented, versioned
 * format. `prepareImport` reads and checks everything without changing state and throws a
 * `SnapshotError` (core/snapshot_format.ts) for a part this backend cannot take, so an import never
 * stops half-way.
 */
export interface ServiceSnapshot {
  /** Writes the service's current state into `dir` (created, empty). */
  export(dir: string): Promise<{ counts: PartCounts; warnings?: string[] }>;
  prepareImport(dir: string): Promise<PreparedImport>;
}

/** How the frame creates a service: its name (which fixes its data folder) and its constructor. */
export interface ServiceFactory {
  readonly name: ServiceName;
  create(ctx: ServiceContext): LocalService;
}
