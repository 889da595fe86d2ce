import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadBackendModel } from '../../src/local/assembly/load_assembly.js';
import type { BackendModel } from '../../src/local/assembly/model.js';
import { createLocalCloud, type LocalCloud, type LocalCloudOptions } from '../../src/local/app.js';
import type { Logger } from '../../src/local/core/logger.js';
import type { OutboxMessage } from '../../src/local/core/outbox.js';
import type { ServiceName } from '../../src/local/core/service.js';
import type { AmplifyOutputs } from '../../src/local/outputs.js';
import { serviceFactories } from '../../src/local/services.js';
import { getTestAssembly } from '../fixtures/assembly.js';

export interface StartLocalCloudOptions {
  /** Reuse a data dir (e.g. to test persistence across processes); default: a fresh temp dir. */
  dataDir?: string;
  /** A hand-built or other backend's model; default: this repository's backend. */
  model?: BackendModel;
  /** Run only these of the registered services (default: all of them). */
  services?: readonly ServiceName[];
  clock?: LocalCloudOptions['clock'];
  ids?: LocalCloudOptions['ids'];
  log?: Logger;
}

export interface TestLocalCloud {
  /** `https://127.0.0.1:<port>`, stable across `restart()`. */
  readonly endpoint: string;
  readonly outputs: AmplifyOutputs;
  /** The running instance (replaced by `restart()`). */
  readonly cloud: LocalCloud;
  readonly dataDir: string;
  /** Path of the outputs file written for this instance. */
  readonly outputsPath: string;
  /** Messages "sent" so far, through the admin API over HTTPS. */
  outbox(filter?: { channel?: OutboxMessage['channel']; to?: string }): Promise<OutboxMessage[]>;
  /** Stops and starts again on the same port with the same data dir (state must survive). */
  restart(): Promise<void>;
  /** Stops and deletes the temp data dir (unless the caller supplied it). */
  stop(): Promise<void>;
}

/** Logs only problems (set LOCAL_CLOUD_LOG=1 to see everything). */
export function testLogger(prefix = 'local-cloud'): Logger {
  const verbose = process.env.LOCAL_CLOUD_LOG === '1';
  const make = (p: string): Logger => ({
    info: (m) => (verbose ? console.log(`[${p}] ${m}`) : undefined),
    warn: (m) => console.warn(`[${p}] ${m}`),
    error: (m) => console.error(`[${p}] ${m}`),
    child: (c) => make(`${p}:${c}`),
  });
  return make(prefix);
}

let cachedModel: Promise<BackendModel> | undefined;

/** This repository's backend, synthesized once per run (cached on disk) and loaded once per worker. */
export function getTestModel(): Promise<BackendModel> {
  cachedModel ??= (async () => {
    const assemblyDir = await getTestAssembly();
    return loadBackendModel(assemblyDir, { region: 'us-east-1' });
  })();
  return cachedModel;
}

/**
 * Starts the whole local cloud in-process on a free port with a temp data dir, for tests that drive
 * it over real HTTPS (the CA is trusted through NODE_EXTRA_CA_CERTS, set up by `npm test`).
 */
export async function startLocalCloud(opts: StartLocalCloudOptions = {}): Promise<TestLocalCloud> {
  if (!process.env.NODE_EXTRA_CA_CERTS || !process.env.AMPLIFY_LOCAL_CA_DIR) {
    throw new Error('Run tests through `npm test` (scripts/test.ts): it trusts the test CA via NODE_EXTRA_CA_CERTS.');
  }
  const ownsDir = !opts.dataDir;
  const root = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'amplify-local-'));
  const dataDir = ownsDir ? path.join(root, 'data') : root;
  const outputsPath = path.join(ownsDir ? root : dataDir, 'amplify_outputs.json');
  const model = opts.model ?? (await getTestModel());

  const start = (port: number) =>
    createLocalCloud({
      model,
      dataDir,
      port,
      outputsPath,
      factories: opts.services && serviceFactories.filter((f) => opts.services!.includes(f.name)),
      clock: opts.clock,
      ids: opts.ids,
      log: opts.log ?? testLogger(),
    });

  let cloud = await start(0);
  const port = cloud.port;
  let stopped = false;

  return {
    get endpoint() {
      return cloud.endpoint;
    },
    get outputs() {
      return cloud.outputs;
    },
    get cloud() {
      return cloud;
    },
    dataDir,
    outputsPath,
    async outbox(filter = {}) {
      const query = new URLSearchParams();
      if (filter.channel) query.set('channel', filter.channel);
      if (filter.to) query.set('to', filter.to);
      const res = await fetch(`${cloud.endpoint}/_local/outbox?${query}`);
      if (!res.ok) throw new Error(`GET /_local/outbox: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { messages: OutboxMessage[] }).messages;
    },
    async restart() {
      await cloud.stop();
      // Same port: tokens carry the endpoint in `iss`, so a new port would invalidate them.
      cloud = await start(port);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await cloud.stop();
      if (ownsDir) rmSync(root, { recursive: true, force: true });
    },
  };
}
