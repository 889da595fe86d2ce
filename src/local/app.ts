import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ensureAssembly } from './assembly/cache.js';
import { loadBackendModel } from './assembly/load_assembly.js';
import type { BackendModel } from './assembly/model.js';
import { accountCredentials, checkAccountKeys, DEFAULT_ACCOUNT_KEYS, type AccountKeys } from './core/account.js';
import { createAdminService } from './core/admin.js';
import { cryptoIds, systemClock, type Clock, type IdSource } from './core/clock.js';
import { FileOutbox } from './core/file_outbox.js';
import { consoleLogger, type Logger } from './core/logger.js';
import type { Outbox } from './core/outbox.js';
import { Registry, type CredentialStore } from './core/registry.js';
import { routeRequest } from './core/router.js';
import { formatHost, listenFrontDoor, type FrontDoor } from './core/server.js';
import type { LocalService, RequestHandler, ServiceContext, ServiceFactory, UpgradeRequest } from './core/service.js';
import { ensureTls, resolveCaDir } from './core/tls.js';
import { buildOutputs, writeOutputs, type AmplifyOutputs } from './outputs.js';
import { startHotReload, type HotReload, type HotReloadOptions } from './reload/hot_reload.js';
import { connectService, startService, swapServices, type RunningService, type SwapReport } from './reload/swap.js';
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
  /** Same as `POST /_local/reset`. */
  reset(): Promise<string[]>;
  /**
   * Serves `next` (a re-synthesized backend): unchanged services keep running, changed ones reload
   * in place or are replaced; `model` and `outputs` follow (the outputs file is rewritten when it
   * changes). Throws, with the old backend still running, when the new one cannot be served.
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
export async function createLocalCloud(opts: LocalCloudOptions): Promise<LocalCloud> {
  validateOptions(opts);
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

  const registry = new Registry();
  const outbox = new FileOutbox(path.join(dataDir, 'outbox'), clock, ids, log.child('outbox'));

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
    };
    mkdirSync(ctx.dataDir, { recursive: true });
    const service = factory.create(ctx);
    if (service.name !== factory.name) throw new Error(`The ${factory.name} factory created a service named "${service.name}"`);
    services.push(service);
    running.push({ factory, ctx, service, offers: [], connectReads: new Set() });
  }

  let endpoint = '';
  const resetAll = async () => {
    for (const s of services) await s.reset();
    outbox.clear();
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
    reloadStatus: () => hotReload?.status(),
  });
  // Read per request: a hot reload replaces entries of `services`.
  const handle = (req: Request) => routeRequest([admin, ...services] as RequestHandler[], req, log);
  let hotReload: HotReload | undefined;

  const frontDoor = await listenFrontDoor({
    host,
    port: opts.port ?? DEFAULT_PORT,
    cert: tls.certPem,
    key: tls.keyPem,
    handle,
    upgrade: (req) => offerUpgrade(services, req),
    log: log.child('http'),
  });
  endpoint = `https://${formatHost(host)}:${frontDoor.port}`;
  for (const r of running) r.ctx.endpoint = endpoint;

  // Stopped in reverse at shutdown; a hot reload swaps entries, so it is read when stopping.
  let startedCount = 0;
  const started = () => running.slice(0, startedCount).map((r) => r.service);
  try {
    for (const r of running) {
      await startService(registry, r);
      startedCount++;
    }
    // Without the identity service the developer keys still sign requests (its store includes them).
    if (!registry.tryGet('identity.credentials')) registry.provide('identity.credentials', accountOnlyStore(model, accountKeys));
    for (const r of running) connectService(registry, r);
  } catch (err) {
    await shutdown(started(), frontDoor, outbox, log);
    throw err;
  }

  const outputsPath = opts.outputsPath === undefined ? path.join(projectDir, 'amplify_outputs.json') : opts.outputsPath;
  const outputsFor = (m: BackendModel) =>
    buildOutputs(m, {
      endpoint,
      accountKeys,
      caCertPath: tls.caCertPath,
      outputsDir: outputsPath ? path.dirname(path.resolve(outputsPath)) : undefined,
    });
  let current = { model, outputs: outputsFor(model) };
  if (outputsPath) writeOutputs(path.resolve(outputsPath), current.outputs);

  let reloading: Promise<unknown> = Promise.resolve();
  const reload = (next: BackendModel): Promise<SwapReport> => {
    const run = reloading.then(async () => {
      const report = await swapServices({ running, services, registry, log }, next);
      const outputs = outputsFor(next);
      const outputsChanged = JSON.stringify(outputs) !== JSON.stringify(current.outputs);
      current = { model: next, outputs };
      if (outputsPath && outputsChanged) writeOutputs(path.resolve(outputsPath), outputs);
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
    describe: () => services.flatMap((s) => s.describe?.() ?? []),
    reset: resetAll,
    reload,
    get hotReload() {
      return hotReload;
    },
    stop() {
      stopping ??= (async () => {
        await hotReload?.close();
        await reloading;
        await shutdown(started(), frontDoor, outbox, log);
      })();
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
  const names = new Set<string>();
  for (const f of opts.factories ?? []) {
    if (names.has(f.name)) throw new Error(`Two services are named "${f.name}"`);
    names.add(f.name);
  }
}

function offerUpgrade(services: LocalService[], req: UpgradeRequest): boolean {
  for (const s of services) if (s.upgrade?.(req)) return true;
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
