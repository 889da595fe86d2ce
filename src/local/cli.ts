/**
 * `npm start`: argument parsing, the banner and signal handling. Everything else lives in app.ts
 * (the cloud), core/ (the frame) and the service folders.
 */
import path from 'node:path';
import { ensureAssembly } from './assembly/cache.js';
import { loadBackendModel } from './assembly/load_assembly.js';
import type { BackendModel } from './assembly/model.js';
import { summarizeNotEmulated } from './assembly/emulation.js';
import { createLocalCloud, isLoopbackHost, type LocalCloud } from './app.js';
import { CliUsageError, parseCliOptions, USAGE, type CliOptions } from './core/cli_options.js';
import { formatDuration } from './core/duration.js';
import { consoleLogger } from './core/logger.js';
import { checkExportTarget } from './core/snapshot.js';
import { trustInstructions } from './core/tls.js';
import type { ServiceName } from './core/service.js';

const log = consoleLogger();

let options: CliOptions;
try {
  options = parseCliOptions(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof CliUsageError)) throw err;
  process.stderr.write(`${err.message}\nRun \`npm start -- --help\` for the options.\n`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(`${USAGE}\n${trustInstructions(path.join(options.dataDir, 'tls', 'ca.pem'), options.port).join('\n')}\n`);
  process.exit(0);
}

let cloud: LocalCloud | undefined;
let stopping = false;
let firstSignalAt = 0;

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      // Under `npm start` one Ctrl-C arrives several times (terminal group + npm/tsx relays): only a
      // deliberate second press, later on, forces the exit.
      if (Date.now() - firstSignalAt < 1000) return;
      process.stderr.write('Forced exit.\n');
      process.exit(1);
    }
    stopping = true;
    firstSignalAt = Date.now();
    process.stdout.write(`\n${signal}: stopping the local cloud...\n`);
    const running = cloud;
    void (async () => {
      const exported = await exportOnExit(running);
      await running?.stop();
      return exported;
    })().then(
      (exported) => {
        process.stdout.write('Local cloud stopped.\n');
        process.exit(exported ? 0 : 1);
      },
      (err: unknown) => {
        process.stderr.write(`Stopping failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(1);
      },
    );
  });
}

/** Writes the `--export-on-exit` snapshot; false when it failed (the cloud still stops). */
async function exportOnExit(c: LocalCloud | undefined): Promise<boolean> {
  if (!options.exportOnExit || !c) return true;
  const t0 = performance.now();
  process.stdout.write(`Exporting a snapshot to ${shownPath(options.exportOnExit)} ...\n`);
  try {
    await c.exportSnapshot(options.exportOnExit);
    process.stdout.write(`Snapshot written in ${formatDuration(performance.now() - t0)}\n`);
    return true;
  } catch (err) {
    const e = err as Error & { resolution?: string };
    process.stderr.write(`Export failed: ${e.message}\n${e.resolution ? `Resolution: ${e.resolution}\n` : (e.stack ?? '')}`);
    return false;
  }
}

// A stray rejection in a service's background work is our bug: report it loudly, keep serving.
process.on('unhandledRejection', (reason) => {
  log.error(`unhandled rejection (a fault in the local cloud): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
});

try {
  // Refuse at start, not at exit, a folder an export would have to overwrite.
  if (options.exportOnExit) checkExportTarget(options.exportOnExit);
  const model = await synthesizeAndLoad(options);
  if (options.importDir) process.stdout.write(`Importing the snapshot ${shownPath(options.importDir)} (it replaces the data dir's state) ...\n`);
  const importStarted = performance.now();
  if (stopping) process.exit(0);
  cloud = await createLocalCloud({
    model,
    projectDir: options.projectDir,
    dataDir: options.dataDir,
    port: options.port,
    host: options.host,
    region: options.region,
    outputsPath: options.outputsPath,
    accountKeys: options.accountKeys,
    watch: options.watch,
    import: options.importDir,
    onSnapshotProgress: (line) => process.stdout.write(`  snapshot | ${line}\n`),
    hostnameRoutes: options.dns || options.proxy ? { dns: options.dns, proxy: options.proxy } : undefined,
    awsHostnames: options.awsHostnames,
    outputsFormats: options.outputsFormats,
    log,
  });
  if (options.importDir) process.stdout.write(`Snapshot imported in ${formatDuration(performance.now() - importStarted)} (including start-up)\n`);
  if (stopping) {
    await cloud.stop();
    process.exit(0);
  }
  printBanner(cloud, options);
} catch (err) {
  const e = err as Error & { resolution?: string; output?: string };
  process.stderr.write(`\n${e.message ?? String(err)}\n`);
  if (e.resolution) process.stderr.write(`Resolution: ${e.resolution}\n`);
  // User errors say what to do; anything else is our fault and its stack helps the bug report.
  if (!e.resolution && !/Resolution:/.test(e.message ?? '')) process.stderr.write(`${e.stack ?? ''}\n`);
  await cloud?.stop().catch(() => {});
  process.exit(1);
}

async function synthesizeAndLoad(opts: CliOptions): Promise<BackendModel> {
  process.stdout.write(`Synthesizing ${path.relative(process.cwd(), path.join(opts.projectDir, 'amplify')) || 'amplify'}/ ...\n`);
  const t0 = performance.now();
  const assembly = await ensureAssembly({
    projectDir: opts.projectDir,
    // Elapsed time on every step: a slow synthesis shows where its time goes.
    onProgress: (line) => process.stdout.write(`  synth ${elapsed(performance.now() - t0)} | ${line}\n`),
  });
  process.stdout.write(
    assembly.fromCache
      ? `Backend unchanged: using the cached assembly (${formatDuration(performance.now() - t0)})\n`
      : `Synthesized in ${formatDuration(performance.now() - t0)}\n`,
  );
  return loadBackendModel(assembly.assemblyDir, { region: opts.region });
}

/** A folder as people read it: relative when it is under the current folder, else absolute. */
function shownPath(dir: string): string {
  const rel = path.relative(process.cwd(), dir);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : dir;
}

/** `  8.1s`: fixed width, so the step texts line up. */
function elapsed(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`.padStart(6);
}

/** AWS-hostname mode: the names served and how a client reaches them. */
function awsHostnameLines(c: LocalCloud): string[] {
  const port = c.port;
  return [
    `  AWS-hostname mode: answering as (CA-signed per name on first use):`,
    ...c.awsHostnames.map((n) => `    https://${n}${port === 443 ? '' : `  -> 127.0.0.1:${port}`}`),
    port === 443
      ? '  Route these names to this machine (a hosts file entry, --dns, or --proxy).'
      : `  Port ${port} is not 443: route the names through --proxy, or map the port (Chromium: --host-resolver-rules="MAP <name>:443 127.0.0.1:${port}"; a 443 -> ${port} port redirect; see the README).`,
  ];
}

function printBanner(c: LocalCloud, opts: CliOptions): void {
  const e = c.endpoint;
  const lines = [
    '',
    // performance.now() counts from process start: the figure includes loading the code.
    `Local cloud ready at ${e}  (${formatDuration(performance.now())})`,
    '',
    `  Console       ${e}/   (open in a browser on this machine: users, data, files, outbox, requests, dashboard)`,
    `  Admin         ${e}/_local/health   ${e}/_local/outbox   POST ${e}/_local/reset`,
    `  Snapshots     npm run local:export -- <dir>   (load one with --import <dir>; README, "Seed data")`,
  ];
  // Endpoint summary from the model; a section whose service is not registered is flagged.
  const running = new Set(c.services.map((s) => s.name));
  const line = (label: string, service: ServiceName, text: string) =>
    lines.push(`  ${label.padEnd(13)} ${text}${running.has(service) ? '' : '   (not running: no local service registered)'}`);
  if (c.model.auth) {
    line('Cognito', 'auth', `${e}  (user pool ${c.model.auth.userPool.id}, client ${c.model.auth.defaultClientId})`);
    if (c.model.auth.identityPool) line('Identity pool', 'identity', `${e}  (${c.model.auth.identityPool.id})`);
  }
  if (c.model.data) line('GraphQL', 'data', `${e}/graphql   realtime ${e.replace(/^https/, 'wss')}/graphql/realtime`);
  for (const b of c.model.storage?.buckets ?? []) line('S3', 'storage', `${e}/${b.bucketName}/  (customEndpoint: '${new URL(e).host}')`);
  if (c.model.functions.length) line('Lambda', 'functions', `${e}/2015-03-31/functions/<name>/invocations`);
  if (c.model.messaging.pinpointApps.length) line('Pinpoint', 'messaging', `${e}/v1/apps/<appId>/messages`);
  if (c.model.messaging.kinesisStreams.length) line('Kinesis', 'messaging', `${e}  (X-Amz-Target Kinesis_20131202.*)`);
  if (c.model.keys?.keys.length) line('KMS', 'keys', `${e}  (X-Amz-Target TrentService.*)`);
  line('SSM', 'parameters', `${e}  (X-Amz-Target AmazonSSM.*; secrets: npm run local:secret)`);
  line('STS', 'sts', `${e}  (GetCallerIdentity, AssumeRole, AssumeRoleWithWebIdentity)`);
  lines.push(
    '',
    `  Developer credentials (administrator of account ${c.model.accountId}; also in the outputs' custom.local):`,
    `    AWS_ACCESS_KEY_ID=${c.accountKeys.accessKeyId} AWS_SECRET_ACCESS_KEY=${c.accountKeys.secretAccessKey} AWS_REGION=${c.model.region}`,
    `    e.g. aws lambda list-functions --endpoint-url ${e}`,
  );
  const described = c.describe();
  if (described.length) lines.push('', ...described.map((l) => `  ${l}`));
  // Resources no service serves: the backend started anyway, their Ref/GetAtt are placeholders.
  if (c.model.notEmulated?.length) lines.push('', `  ((local: not emulated: ${summarizeNotEmulated(c.model.notEmulated)}))`);
  if (c.awsHostnames.length) lines.push('', ...awsHostnameLines(c));
  const outputsDir = path.dirname(opts.outputsLabel);
  lines.push('', `Outputs written to ${[opts.outputsLabel, ...c.outputsFiles.slice(1).map((f) => path.join(outputsDir, path.basename(f)))].join(', ')}`);
  lines.push(
    opts.watch
      ? `Hot reload: saving a file under ${shortPath(path.join(opts.projectDir, 'amplify'))}/ re-synthesizes and swaps what changed (status: GET ${e}/_local/reload; --no-watch to turn off).`
      : 'Hot reload is off (--no-watch): restart after editing amplify/.',
  );
  lines.push(
    c.awsHostnames.length
      ? 'Apps: configure Amplify with the outputs as for a deployed backend (they hold the AWS URLs; no endpoint to set).'
      : `Apps: configureAmplify(outputs) from src/client (sets the Cognito endpoints; storageOptions() for Storage calls).`,
  );
  if (c.createdCa) {
    lines.push('', ...trustInstructions(c.caCertPath, c.port));
  } else {
    lines.push(`TLS CA: ${c.caCertPath} (trusted via NODE_EXTRA_CA_CERTS for Node; \`npm start -- --help\` for devices)`);
  }
  if (!isLoopbackHost(opts.host)) lines.push('', `!!! Listening on ${opts.host}: reachable from the network.`);
  const exitNote = opts.exportOnExit ? ` (writes a snapshot to ${shownPath(opts.exportOnExit)})` : '';
  lines.push('', `Ctrl-C to stop${exitNote}.`, '');
  process.stdout.write(lines.join('\n'));
}

/** Relative to the current folder when below it, else absolute. */
function shortPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}
