/**
 * The local cloud for an app's own test suite: `startLocalCloud()` synthesizes the project's `amplify/`
 * (through the same content-keyed cache as `npm start`), serves it on a free loopback port with a
 * fresh data dir, and `stop()` removes it again. One instance per test file is the intended use.
 *
 * TLS is never switched off: the process running the tests must trust the local CA. Node reads
 * NODE_EXTRA_CA_CERTS only when it starts, so a running test file cannot trust a CA it creates
 * itself; `trustLocalCloudCa()` (a vitest `globalSetup`, see testing_global_setup.ts) creates the CA
 * in the parent process before vitest forks its workers, and the workers inherit the variable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalCloud, type LocalCloud, type LocalCloudOptions } from './app.js';
import { ensureAssembly } from './assembly/cache.js';
import { loadBackendModel } from './assembly/load_assembly.js';
import type { BackendModel } from './assembly/model.js';
import type { Clock, IdSource } from './core/clock.js';
import type { Logger } from './core/logger.js';
import type { OutboxMessage } from './core/outbox.js';
import type { ServiceName } from './core/service.js';
import { ensureTls } from './core/tls.js';
import type { HostnameRoutesOptions } from './hostnames/routes.js';
import type { AmplifyOutputs } from './outputs.js';
import { serviceFactories } from './services.js';

export type { OutboxMessage } from './core/outbox.js';
export type { AmplifyOutputs } from './outputs.js';

const DEFAULT_REGION = 'us-east-1';

export interface StartLocalCloudOptions {
  /** Folder holding `amplify/`; default the current folder. Ignored when `model` is given. */
  projectDir?: string;
  /** Default 0: any free port (kept across `restart()`). */
  port?: number;
  /** Kept after `stop()`. Default: a fresh temp dir, deleted on `stop()`. */
  dataDir?: string;
  /** Default: warnings and errors only (LOCAL_CLOUD_LOG=1 shows everything). */
  log?: Logger;
  /** TLS folder; default AMPLIFY_LOCAL_CA_DIR (set by `trustLocalCloudCa`), else `<projectDir>/.amplify/test-ca`. */
  caDir?: string;
  region?: string;
  /** An already loaded backend model instead of synthesizing `projectDir`. */
  model?: BackendModel;
  /** Run only these services (default all). */
  services?: readonly ServiceName[];
  clock?: Clock;
  ids?: IdSource;
  /**
   * Hot reload: watch `<projectDir>/amplify/` and swap the changed services on save (tests of
   * an app's schema migrations). Off by default. `instance.hotReload` reports its state.
   */
  watch?: LocalCloudOptions['watch'];
  /** A snapshot folder (README, "Seed data") loaded at the first start; `restart()` keeps the state it made. */
  import?: string;
  /** Also start the DNS server and/or CONNECT proxy for the backend's AWS hostnames (use port 0 for each). */
  hostnameRoutes?: HostnameRoutesOptions;
  /** AWS-hostname mode (see `LocalCloudOptions.awsHostnames`): outputs carry the deployed AWS URLs. */
  awsHostnames?: boolean;
}

export interface OutboxFilter {
  channel?: OutboxMessage['channel'];
  to?: string;
}

export interface StartedLocalCloud {
  /** `https://127.0.0.1:<port>`, the same across `restart()`. */
  readonly url: string;
  readonly port: number;
  /** The amplify_outputs.json content pointing at this instance. */
  readonly outputs: AmplifyOutputs;
  /** Where those outputs were written (in the data dir's parent folder, or the temp dir). */
  readonly outputsPath: string;
  /** The CA the client must trust (NODE_EXTRA_CA_CERTS); the same file across instances. */
  readonly caCertPath: string;
  readonly dataDir: string;
  /** The running instance (replaced by `restart()`): model, registry, services. */
  readonly instance: LocalCloud;
  /** Messages "sent" so far (codes, SMS, pushes), oldest first, read through the admin API over HTTPS. */
  outbox(filter?: OutboxFilter): Promise<OutboxMessage[]>;
  /** `POST /_local/reset`: drops users, items, files and the outbox; the backend stays up. */
  reset(): Promise<void>;
  /** Stops and starts again on the same port with the same data dir (state survives). */
  restart(): Promise<void>;
  /** Stops; deletes the data dir when the helper created it. Safe to call twice. */
  stop(): Promise<void>;
}

/** Logs warnings and errors; everything with LOCAL_CLOUD_LOG=1. */
export function quietLogger(prefix = 'local-cloud'): Logger {
  const verbose = process.env.LOCAL_CLOUD_LOG === '1';
  const make = (p: string): Logger => ({
    info: (m) => (verbose ? console.log(`[${p}] ${m}`) : undefined),
    warn: (m) => console.warn(`[${p}] ${m}`),
    error: (m) => console.error(`[${p}] ${m}`),
    child: (c) => make(`${p}:${c}`),
  });
  return make(prefix);
}

/** The CA folder the helper and `trustLocalCloudCa` agree on. */
export function defaultCaDir(projectDir = process.cwd()): string {
  return path.resolve(process.env.AMPLIFY_LOCAL_CA_DIR ?? path.join(projectDir, '.amplify', 'test-ca'));
}

/**
 * Creates (once) the test CA and sets NODE_EXTRA_CA_CERTS and AMPLIFY_LOCAL_CA_DIR in this process's
 * environment, so that processes started afterwards (vitest's forked workers) trust the local cloud.
 * It cannot make the calling process itself trust the CA: Node reads the variable at start only.
 */
export async function trustLocalCloudCa(opts: { projectDir?: string; caDir?: string } = {}): Promise<{ caCertPath: string }> {
  const caDir = path.resolve(opts.caDir ?? defaultCaDir(opts.projectDir));
  const tls = await ensureTls(caDir);
  process.env.NODE_EXTRA_CA_CERTS = tls.caCertPath;
  process.env.AMPLIFY_LOCAL_CA_DIR = caDir;
  return { caCertPath: tls.caCertPath };
}

const models = new Map<string, Promise<BackendModel>>();

/** Synthesizes (or takes from the cache) and loads `projectDir`'s backend, once per process. */
export function loadProjectModel(projectDir: string, region = DEFAULT_REGION): Promise<BackendModel> {
  const key = `${path.resolve(projectDir)}\0${region}`;
  let model = models.get(key);
  if (!model) {
    model = ensureAssembly({ projectDir }).then((a) => loadBackendModel(a.assemblyDir, { region }));
    models.set(key, model);
    model.catch(() => models.delete(key));
  }
  return model;
}

/** Starts the local cloud for a test file; see the module comment for TLS. */
export async function startLocalCloud(opts: StartLocalCloudOptions = {}): Promise<StartedLocalCloud> {
  const projectDir = path.resolve(opts.projectDir ?? process.cwd());
  const caDir = path.resolve(opts.caDir ?? defaultCaDir(projectDir));
  const model = opts.model ?? (await loadProjectModel(projectDir, opts.region));
  const ownsDir = !opts.dataDir;
  const root = opts.dataDir ? path.resolve(opts.dataDir) : mkdtempSync(path.join(tmpdir(), 'amplify-local-'));
  const dataDir = ownsDir ? path.join(root, 'data') : root;
  const outputsPath = path.join(ownsDir ? root : dataDir, 'amplify_outputs.json');
  const log = opts.log ?? quietLogger();

  const start = (port: number, importDir?: string, served: BackendModel = model) =>
    createLocalCloud({
      import: importDir,
      model: served,
      projectDir,
      dataDir,
      port,
      caDir,
      outputsPath,
      region: opts.region,
      factories: opts.services && serviceFactories.filter((f) => opts.services!.includes(f.name)),
      clock: opts.clock,
      ids: opts.ids,
      watch: opts.watch,
      hostnameRoutes: opts.hostnameRoutes,
      awsHostnames: opts.awsHostnames,
      log,
    });

  let cloud: LocalCloud;
  try {
    cloud = await start(opts.port ?? 0, opts.import);
    await checkTrusted(cloud);
  } catch (err) {
    if (ownsDir) rmSync(root, { recursive: true, force: true });
    throw err;
  }
  const port = cloud.port;
  let stopped = false;

  return {
    get url() {
      return cloud.endpoint;
    },
    port,
    get outputs() {
      return cloud.outputs;
    },
    outputsPath,
    get caCertPath() {
      return cloud.caCertPath;
    },
    dataDir,
    get instance() {
      return cloud;
    },
    async outbox(filter = {}) {
      const query = new URLSearchParams();
      if (filter.channel) query.set('channel', filter.channel);
      if (filter.to) query.set('to', filter.to);
      const res = await fetch(`${cloud.endpoint}/_local/outbox?${query}`);
      if (!res.ok) throw new Error(`GET /_local/outbox: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { messages: OutboxMessage[] }).messages;
    },
    async reset() {
      const res = await fetch(`${cloud.endpoint}/_local/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`POST /_local/reset: ${res.status} ${await res.text()}`);
    },
    async restart() {
      await cloud.stop();
      // Same port: tokens carry the endpoint in `iss`, so a new port would invalidate them.
      // The backend being served: a hot reload may have moved it on from the first one.
      cloud = await start(port, undefined, cloud.model);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await cloud.stop();
      if (ownsDir) rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * One HTTPS request from this process, so a missing trust fails here with the way out rather than
 * later as `fetch failed` deep inside the client.
 */
async function checkTrusted(cloud: LocalCloud): Promise<void> {
  try {
    const res = await fetch(`${cloud.endpoint}/_local/health`);
    await res.body?.cancel();
  } catch (err) {
    await cloud.stop();
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const e = new Error(
      `This process does not trust the local cloud's CA (${cloud.caCertPath}): ${cause?.code ?? cause?.message ?? String(err)}. ` +
        `Resolution: start the test runner with NODE_EXTRA_CA_CERTS=${cloud.caCertPath}, e.g. add ` +
        `globalSetup: ['<path>/src/local/testing_global_setup.ts'] to vitest's config and keep its default pool: 'forks' ` +
        `(Node reads the variable only when a process starts: worker threads, or setting it inside a test file, have no effect).`,
    );
    throw Object.assign(e, { resolution: `NODE_EXTRA_CA_CERTS=${cloud.caCertPath}` });
  }
}
