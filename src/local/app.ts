import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensureAssembly } from './assembly/cache.js';
import { loadBackendModel } from './assembly/load_assembly.js';
import type { BackendModel } from './assembly/model.js';
import { accountCredentials, checkAccountKeys, DEFAULT_ACCOUNT_KEYS, type AccountKeys } from './core/account.js';
import { createAdminService } from './core/admin.js';
import { createConsoleHandler } from './console/index.js';
import { lockDataDir } from './core/data_dir_lock.js';
import { cryptoIds, systemClock, type Clock, type IdSource } from './core/clock.js';
import { FileOutbox } from './core/file_outbox.js';
import { consoleLogger, type Logger } from './core/logger.js';
import type { Outbox } from './core/outbox.js';
import { MetricTimeline } from './core/metric_timeline.js';
import { Registry, type CredentialStore } from './core/registry.js';
import { RequestJournal } from './core/request_journal.js';
import { routeRequest } from './core/router.js';
import { exportSnapshot, importSnapshot, type PartReport } from './core/snapshot.js';
import type { SnapshotManifest } from './core/snapshot_format.js';
import { formatHost, listenFrontDoor, type FrontDoor } from './core/server.js';
import type { LocalService, RequestHandler, ServiceContext, ServiceFactory, UpgradeRequest } from './core/service.js';
import { ensureTls, resolveCaDir } from './core/tls.js';
import { HostCertificates } from './hostnames/host_certs.js';
import { createHostRouting, type HostRouting } from './hostnames/host_routing.js';
import { awsHostnames, hostnameMatcher } from './hostnames/names.js';
import { buildOutputs, type AmplifyOutputs } from './outputs.js';
import { writeOutputsFormats, type OutputsFormat } from './outputs_formats.js';
import { startHotReload, type HotReload, type HotReloadOptions } from './reload/hot_reload.js';
import { connectService, startService, swapServices, type RunningService, type SwapReport } from './reload/swap.js';
import { startHostnameRoutes, type HostnameRoutes, type HostnameRoutesOptions } from './hostnames/routes.js';
import { serviceFactories } from './services.js';

const DEFAULT_PORT = 20002;
const DEFAULT_REGION = 'us-east-1';
const LOOPBACK_HOST = '127.0.0.1';

export interface LocalCloudOptions {
  /** Folder holding `amplify/` (synthesized when neither `model` nor `assemblyDir` is given). Default: cwd. */
  projectDir?: string;
  assemblyDir?: string;
  model?: BackendModel;
  dataDir: string;
  /** Default 20002; 0 = any free port. */
  port?: number;
  /** Default 127.0.0.1. Anything else exposes the local cloud to the network (warned loudly). */
  host?: string;
  region?: string;
  /** TLS folder; default AMPLIFY_LOCAL_CA_DIR or `<dataDir>/tls`. */
  caDir?: string;
  /** Where to write amplify_outputs.json; null = don't write. Default `<projectDir>/amplify_outputs.json`. */
  outputsPath?: string | null;
  log?: Logger;
  clock?: Clock;
  ids?: IdSource;
  /** Services to run instead of src/local/services.ts (frame tests). */
  factories?: readonly ServiceFactory[];
  /** The account's developer keys (default `DEFAULT_ACCOUNT_KEYS`, documented in the README). */
  accountKeys?: AccountKeys;
  /**
   * A snapshot folder to load at start. It replaces the data dir's state (as Firebase's `--import`
   * does); a snapshot that cannot be imported stops the start with the data dir unchanged.
   */
  import?: string;
  /** Progress of snapshot imports and exports, one line per part (default: the logger's info). */
  onSnapshotProgress?: (line: string) => void;
  /** A DNS server and/or CONNECT proxy routing the backend's AWS hostnames to this cloud (hostnames/routes.ts). */
  hostnameRoutes?: HostnameRoutesOptions;
  /**
   * AWS-hostname mode: also answer as the backend's AWS hostnames (`cognito-idp.<region>.amazonaws.com`,
   * `<api>.appsync-api.<region>.amazonaws.com`...), with CA-signed leaves issued per name (SNI), routing
   * by Host, and outputs in the deployed shape, for clients that ignore custom endpoints.
   */
  awsHostnames?: boolean;
  /**
   * Outputs files to write next to `outputsPath` (outputs_formats.ts). Default `['json']`; in
   * AWS-hostname mode all three (`json`, `json-mobile`, `dart`). `json` is always written.
   */
  outputsFormats?: readonly OutputsFormat[];
  /**
   * Hot reload: watch `<projectDir>/amplify/`, re-synthesize on save and swap the changed services
   * in place (src/local/reload). Off unless given (`npm start` turns it on).
   */
  watch?: boolean | HotReloadOptions;
}

export interface LocalCloud {
  endpoint: string;
  port: number;
  outputs: AmplifyOutputs;
  model: BackendModel;
  registry: Registry;
  outbox: Outbox;
  /** Routes a request in-process, exactly as the HTTPS port would (no sockets; treated as loopback). */
  fetch(req: Request): Promise<Response>;
  stop(): Promise<void>;
  /** The CA clients must trust. */
  caCertPath: string;
  /** True when this start created the CA (first run): tell the user how to trust it. */
  createdCa: boolean;
  /** The account's developer keys: an administrator of the local account. */
  accountKeys: AccountKeys;
  /** Running services, in routing order (the admin API, part of the frame, is routed before them). */
  services: readonly LocalService[];
  /** Banner lines of every service. */
  describe(): string[];
  /** AWS-hostname mode: the names served (empty otherwise). */
  awsHostnames: string[];
  /** AWS-hostname mode: the per-name leaves issued by the local CA. */
  hostCertificates?: HostCertificates;
  /** Every outputs file written (amplify_outputs.json first). */
  outputsFiles: string[];
  /** Same as `POST /_local/reset`. */
  reset(): Promise<string[]>;
  /** Writes a snapshot of every service's state into `dir` (README, "Seed data"). */
  exportSnapshot(dir: string): Promise<SnapshotManifest>;
  /** Replaces every service's state with the snapshot in `dir`; checks all of it first. */
  importSnapshot(dir: string): Promise<PartReport[]>;
  /** What the start-up import loaded, when `import` was given. */
  imported?: PartReport[];
  /** The DNS server and proxy when `hostnameRoutes` asked for them. */
  hostnameRoutes?: HostnameRoutes;
  /**
   * Serves `next` (a re-synthesized backend): unchanged services keep running, changed ones reload
   * in place or are replaced; `model` and `outputs` follow (the outputs files are rewritten when they
   * change). Throws, with the old backend still running, when the new one cannot be served.
   */
  reload(next: BackendModel): Promise<SwapReport>;
  /** The file watcher, when `watch` is on. */
  hotReload?: HotReload;
}

/**
 * Builds the local cloud: services from their factories, each with its own context and data folder,
 * behind one HTTPS port. Order: create (all) → listen → endpoint known → start (all, each publishing
 * what it offers) → connect (all).
 */
export async function createLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  validateOptions(options);
  const dirLock = lockDataDir(path.resolve(options.dataDir));
  try {
    const cloud = await startInDataDir(options);
    const stop = cloud.stop.bind(cloud);
    cloud.stop = () => stop().finally(() => dirLock.release());
    return cloud;
  } catch (err) {
    dirLock.release();
    throw err;
  }
}

async function startInDataDir(options: LocalCloudOptions): Promise<LocalCloud> {
  // The DNS server and proxy route the AWS hostnames here: they need the mode that answers as them.
  const opts = options.hostnameRoutes ? { ...options, awsHostnames: true } : options;
  const startedAt = Date.now();
  const log = opts.log ?? consoleLogger();
  const clock = opts.clock ?? systemClock;
  const ids = opts.ids ?? cryptoIds;
  const host = opts.host ?? LOOPBACK_HOST;
  const dataDir = path.resolve(opts.dataDir);
  const projectDir = path.resolve(opts.projectDir ?? process.cwd());
  mkdirSync(dataDir, { recursive: true });

  if (!isLoopbackHost(host)) {
    log.warn(`!!! Binding ${host}: the local cloud (test users, files, admin reset) is reachable from the network. Use 127.0.0.1 unless you must.`);
  }
  if (!isLoopbackHost(host) && (opts.accountKeys ?? DEFAULT_ACCOUNT_KEYS).secretAccessKey === DEFAULT_ACCOUNT_KEYS.secretAccessKey) {
    log.warn(`!!! The developer keys are the documented defaults (${DEFAULT_ACCOUNT_KEYS.accessKeyId}): anyone who reaches ${host} is an administrator. Pass your own keys (--access-key-id / --secret-access-key).`);
  }

  const accountKeys = opts.accountKeys ?? DEFAULT_ACCOUNT_KEYS;
  const model = opts.model ?? (await loadModel(opts, projectDir));
  const tls = await ensureTls(resolveCaDir(dataDir, opts.caDir));
  const served = opts.awsHostnames ? awsHostnames(model) : [];
  const hostCertificates = opts.awsHostnames
    ? new HostCertificates({
        dir: path.join(tls.dir, 'hosts'),
        caCertPem: tls.caCertPem,
        caKeyPem: tls.caKeyPem,
        accepts: hostnameMatcher(served),
        log: log.child('tls'),
      })
    : undefined;
  const hostRouting: HostRouting | undefined = opts.awsHostnames ? createHostRouting(model) : undefined;

  const registry = new Registry();
  const outbox = new FileOutbox(path.join(dataDir, 'outbox'), clock, ids, log.child('outbox'));
  const metrics = new MetricTimeline(clock);
  const journal = new RequestJournal(2000, () => registry.tryGet('identity.credentials'), () => clock.now());

  const running: RunningService[] = [];
  const services: LocalService[] = [];
  for (const factory of opts.factories ?? serviceFactories) {
    const ctx: ServiceContext = {
      model,
      dataDir: path.join(dataDir, factory.name),
      endpoint: '',
      caCertPath: tls.caCertPath,
      registry,
      clock,
      ids,
      outbox,
      log: log.child(factory.name),
      accountKeys,
      metrics,
      awsHostnames: opts.awsHostnames === true,
    };
    mkdirSync(ctx.dataDir, { recursive: true });
    const service = factory.create(ctx);
    if (service.name !== factory.name) throw new Error(`The ${factory.name} factory created a service named "${service.name}"`);
    services.push(service);
    running.push({ factory, ctx, service, offers: [], connectReads: new Set() });
  }

  let endpoint = '';
  const progress = opts.onSnapshotProgress ?? ((line: string) => log.child('snapshot').info(line));
  // The model being served (a hot reload moves it on).
  let servedModel = model;
  const snapshotDeps = () => ({ model: servedModel, services, now: () => clock.now(), onProgress: progress });
  const exportsDir = path.join(dataDir, 'exports');
  rmSync(exportsDir, { recursive: true, force: true });
  const outputsPath = opts.outputsPath === undefined ? path.join(projectDir, 'amplify_outputs.json') : opts.outputsPath;
  const resetAll = async () => {
    for (const s of services) await s.reset();
    outbox.clear();
    journal.clear();
    metrics.clear();
    return services.map((s) => s.name);
  };
  const admin = createAdminService({
    outbox,
    serviceNames: () => services.map((s) => s.name),
    resetAll,
    startedAt,
    now: () => Date.now(),
    endpoint: () => endpoint,
    services: () => services,
    snapshots: { exportsDir, now: () => clock.now(), exportSnapshot: (dir) => exportSnapshot({ ...snapshotDeps(), onProgress: undefined }, dir) },
    console: {
      // What the console describes follows hot reloads.
      get model() {
        return servedModel;
      },
      accountKeys,
      handle: (req) => handle(req),
      journal,
      metrics,
      services: () => services,
      endpoint: () => endpoint,
      now: () => clock.now(),
      outputsPath: () => (outputsPath ? path.resolve(outputsPath) : null),
      caCertPath: tls.caCertPath,
    },
    reloadStatus: () => hotReload?.status(),
  });
  let hotReload: HotReload | undefined;
  // The console answers `/` only for browsers (see console/index.ts), so it goes before the services.
  const consoleHandler = createConsoleHandler({ log: log.child('console') });
  // Built per request: a hot reload replaces entries of `services`.
  const handle = (req: Request) => {
    const routed: RequestHandler[] = [admin, consoleHandler, ...services];
    return routeRequest(hostRouting ? hostRouting.candidates(req, routed) : routed, req, log, journal).then((res) => withServiceDate(res, clock));
  };

  const frontDoor = await listenFrontDoor({
    host,
    port: opts.port ?? DEFAULT_PORT,
    cert: tls.certPem,
    key: tls.keyPem,
    sniCallback: hostCertificates?.sniCallback,
    handle,
    upgrade: (req) => offerUpgrade(services, req, hostRouting),
    log: log.child('http'),
  });
  endpoint = `https://${formatHost(host)}:${frontDoor.port}`;
  for (const r of running) r.ctx.endpoint = endpoint;

  // Stopped in reverse at shutdown; a hot reload swaps entries, so the list is read when stopping.
  let startedCount = 0;
  const started = () => running.slice(0, startedCount).map((r) => r.service);
  let imported: PartReport[] | undefined;
  let routes: HostnameRoutes | undefined;
  try {
    for (const r of running) {
      await startService(registry, r);
      startedCount++;
    }
    // Without the identity service the developer keys still sign requests (its store includes them).
    if (!registry.tryGet('identity.credentials')) registry.provide('identity.credentials', accountOnlyStore(model, accountKeys));
    // Before connect: restoring state is not a series of writes that triggers and streams should see.
    if (opts.import) imported = await importSnapshot({ ...snapshotDeps(), clearOutbox: () => outbox.clear() }, opts.import);
    for (const r of running) connectService(registry, r);
    if (opts.hostnameRoutes) {
      routes = await startHostnameRoutes({ options: opts.hostnameRoutes, names: served, serves: hostnameMatcher(served), frontDoor: { host, port: frontDoor.port }, log });
    }
  } catch (err) {
    await shutdown(started(), frontDoor, outbox, log);
    throw err;
  }

  const outputsFor = (m: BackendModel) =>
    buildOutputs(m, {
      endpoint,
      accountKeys,
      caCertPath: tls.caCertPath,
      outputsDir: outputsPath ? path.dirname(path.resolve(outputsPath)) : undefined,
      awsHostnames: opts.awsHostnames ? served : undefined,
    });
  const outputs = outputsFor(model);
  const formats: OutputsFormat[] = ['json', ...(opts.outputsFormats ?? (opts.awsHostnames ? ['json-mobile', 'dart'] : []))];
  let outputsFiles: string[] = [];
  try {
    if (outputsPath) outputsFiles = await writeOutputsFormats(path.resolve(outputsPath), outputs, formats);
  } catch (err) {
    await shutdown(started(), frontDoor, outbox, log);
    throw err;
  }
  let current = { model, outputs };

  let reloading: Promise<unknown> = Promise.resolve();
  const reload = (next: BackendModel): Promise<SwapReport> => {
    const run = reloading.then(async () => {
      const report = await swapServices({ running, services, registry, log }, next);
      const nextOutputs = outputsFor(next);
      const outputsChanged = JSON.stringify(nextOutputs) !== JSON.stringify(current.outputs);
      current = { model: next, outputs: nextOutputs };
      servedModel = next;
      if (outputsPath && outputsChanged) await writeOutputsFormats(path.resolve(outputsPath), nextOutputs, formats);
      if (outputsChanged) report.notes.push(`outputs rewritten: ${outputsPath ?? '(not written to a file)'}`);
      return report;
    });
    reloading = run.catch(() => {});
    return run;
  };

  let stopping: Promise<void> | undefined;
  const cloud: LocalCloud = {
    endpoint,
    port: frontDoor.port,
    get outputs() {
      return current.outputs;
    },
    get model() {
      return current.model;
    },
    registry,
    outbox,
    caCertPath: tls.caCertPath,
    createdCa: tls.createdCa,
    accountKeys,
    services,
    fetch: handle,
    describe: () => [...(routes?.describe() ?? []), ...services.flatMap((s) => s.describe?.() ?? [])],
    awsHostnames: served,
    hostCertificates,
    outputsFiles,
    reset: resetAll,
    hostnameRoutes: routes,
    imported,
    exportSnapshot: (dir) => exportSnapshot(snapshotDeps(), dir),
    importSnapshot: (dir) => importSnapshot({ ...snapshotDeps(), clearOutbox: () => outbox.clear() }, dir),
    reload,
    get hotReload() {
      return hotReload;
    },
    stop() {
      // Open event streams would hold the front door's close for its whole grace period.
      admin.closeStreams();
      stopping ??= (async () => {
        await hotReload?.close();
        await reloading;
        await (routes?.close() ?? Promise.resolve());
        await shutdown(started(), frontDoor, outbox, log);
      })().finally(() => rmSync(exportsDir, { recursive: true, force: true }));
      return stopping;
    },
  };
  if (opts.watch) {
    hotReload = startHotReload(cloud, {
      projectDir,
      region: opts.region ?? DEFAULT_REGION,
      log: log.child('reload'),
      ...(typeof opts.watch === 'object' ? opts.watch : {}),
    });
  }
  return cloud;
}

/** A credential store knowing only the account's developer keys; it issues nothing. */
function accountOnlyStore(model: BackendModel, keys: AccountKeys): CredentialStore {
  const account = accountCredentials(model, keys);
  return {
    lookup: (accessKeyId) => (accessKeyId === account.accessKeyId ? account : undefined),
    issueForRole: () => {
      throw new Error('no credentials can be issued: the identity service is not running');
    },
  };
}

/** Reverse start order: a service may still use a peer while it stops. */
async function shutdown(started: LocalService[], frontDoor: FrontDoor, outbox: FileOutbox, log: Logger): Promise<void> {
  await frontDoor.close();
  for (const s of [...started].reverse()) {
    try {
      await s.stop();
    } catch (err) {
      log.error(`stopping ${s.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
  outbox.flush();
}

/** Refuses options that cannot work before anything is created (the CLI has checked its flags already). */
function validateOptions(opts: LocalCloudOptions): void {
  if (opts.port !== undefined && !(Number.isInteger(opts.port) && opts.port >= 0 && opts.port <= 65535)) {
    throw new RangeError(`port must be a whole number from 0 to 65535 (0 = any free port); got ${opts.port}`);
  }
  if (!opts.dataDir) throw new TypeError('dataDir is required: where the local cloud keeps its state');
  if (opts.accountKeys) checkAccountKeys(opts.accountKeys);
  if (opts.hostnameRoutes && opts.awsHostnames === false) {
    throw new TypeError('hostnameRoutes (the DNS server and proxy) route the AWS hostnames: they need awsHostnames, not awsHostnames: false');
  }
  const names = new Set<string>();
  for (const f of opts.factories ?? []) {
    if (names.has(f.name)) throw new Error(`Two services are named "${f.name}"`);
    names.add(f.name);
  }
}

function offerUpgrade(services: LocalService[], req: UpgradeRequest, hostRouting: HostRouting | undefined): boolean {
  const routed = hostRouting ? hostRouting.upgrade(req) : { up: req };
  if (!routed) return false;
  for (const s of services) if ((!routed.service || s.name === routed.service) && s.upgrade?.(routed.up)) return true;
  return false;
}

async function loadModel(opts: LocalCloudOptions, projectDir: string): Promise<BackendModel> {
  let assemblyDir = opts.assemblyDir;
  if (!assemblyDir) {
    assemblyDir = (await ensureAssembly({ projectDir })).assemblyDir;
  }
  return loadBackendModel(assemblyDir, { region: opts.region ?? DEFAULT_REGION });
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The response's `Date` is the cloud's clock, as an AWS service's is its own: clients correct their
 * clock skew from it (SigV4 RequestTimeTooSkewed), which only converges when it is the time the
 * signature checks use (an injected clock in tests, the system clock otherwise).
 */
function withServiceDate(response: Response, clock: Clock): Response {
  // On the system clock Node's own Date header is the same.
  if (clock === systemClock) return response;
  const date = new Date(clock.now()).toUTCString();
  try {
    response.headers.set('date', date);
    return response;
  } catch {
    // Immutable headers (a Response from fetch or Response.redirect): copy it.
    const copy = new Response(response.body, response);
    copy.headers.set('date', date);
    return copy;
  }
}
