import { loadBackendModel } from '../../src/local/assembly/load_assembly.js';
import type { BackendModel } from '../../src/local/assembly/model.js';
import type { LocalCloud, LocalCloudOptions } from '../../src/local/app.js';
import type { Logger } from '../../src/local/core/logger.js';
import type { OutboxMessage } from '../../src/local/core/outbox.js';
import type { ServiceName } from '../../src/local/core/service.js';
import type { AmplifyOutputs } from '../../src/local/outputs.js';
import { quietLogger, startLocalCloud as startPublic } from '../../src/local/testing.js';
import { getTestAssembly, repoRoot } from '../fixtures/assembly.js';

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
  /** A snapshot folder loaded at start (`--import`). */
  import?: string;
  /** AWS-hostname mode (outputs with the deployed AWS URLs, per-name leaves, routing by Host). */
  awsHostnames?: boolean;
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
export const testLogger = quietLogger;

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
 * it over real HTTPS: the public helper of src/local/testing.ts with this repository's backend as the
 * default model (the CA is trusted through NODE_EXTRA_CA_CERTS, set up by `npm test`).
 */
export async function startLocalCloud(opts: StartLocalCloudOptions = {}): Promise<TestLocalCloud> {
  if (!process.env.NODE_EXTRA_CA_CERTS || !process.env.AMPLIFY_LOCAL_CA_DIR) {
    throw new Error('Run tests through `npm test` (scripts/test.ts): it trusts the test CA via NODE_EXTRA_CA_CERTS.');
  }
  const started = await startPublic({
    projectDir: repoRoot,
    model: opts.model ?? (await getTestModel()),
    dataDir: opts.dataDir,
    services: opts.services,
    clock: opts.clock,
    ids: opts.ids,
    awsHostnames: opts.awsHostnames,
    log: opts.log ?? testLogger(),
    import: opts.import,
  });
  return {
    get endpoint() {
      return started.url;
    },
    get outputs() {
      return started.outputs;
    },
    get cloud() {
      return started.instance;
    },
    dataDir: started.dataDir,
    outputsPath: started.outputsPath,
    outbox: (filter) => started.outbox(filter),
    restart: () => started.restart(),
    stop: () => started.stop(),
  };
}
