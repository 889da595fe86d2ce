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
    void (cloud?.stop() ?? Promise.resolve()).then(
      () => {
        process.stdout.write('Local cloud stopped.\n');
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`Stopping failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(1);
      },
    );
  });
}

// A stray rejection in a service's background work is our bug: report it loudly, keep serving.
process.on('unhandledRejection', (reason) => {
  log.error(`unhandled rejection (a fault in the local cloud): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
});

try {
  const model = await synthesizeAndLoad(options);
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
    log,
  });
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
    onProgress: (line) => process.stdout.write(`  synth | ${line}\n`),
  });
  process.stdout.write(
    assembly.fromCache
      ? `Backend unchanged: using the cached assembly (${formatDuration(performance.now() - t0)})\n`
      : `Synthesized in ${formatDuration(performance.now() - t0)}\n`,
  );
  return loadBackendModel(assembly.assemblyDir, { region: opts.region });
}

function printBanner(c: LocalCloud, opts: CliOptions): void {
  const e = c.endpoint;
  const lines = [
    '',
    // performance.now() counts from process start: the figure includes loading the code.
    `Local cloud ready at ${e}  (${formatDuration(performance.now())})`,
    '',
    `  Admin         ${e}/_local/health   ${e}/_local/outbox   POST ${e}/_local/reset`,
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
  lines.push('', `Outputs written to ${opts.outputsLabel}`);
  lines.push(
    opts.watch
      ? `Hot reload: saving a file under ${shortPath(path.join(opts.projectDir, 'amplify'))}/ re-synthesizes and swaps what changed (status: GET ${e}/_local/reload; --no-watch to turn off).`
      : 'Hot reload is off (--no-watch): restart after editing amplify/.',
  );
  lines.push(`Apps: configureAmplify(outputs) from src/client (sets the Cognito endpoints; storageOptions() for Storage calls).`);
  if (c.createdCa) {
    lines.push('', ...trustInstructions(c.caCertPath, c.port));
  } else {
    lines.push(`TLS CA: ${c.caCertPath} (trusted via NODE_EXTRA_CA_CERTS for Node; \`npm start -- --help\` for devices)`);
  }
  if (!isLoopbackHost(opts.host)) lines.push('', `!!! Listening on ${opts.host}: reachable from the network.`);
  lines.push('', 'Ctrl-C to stop.', '');
  process.stdout.write(lines.join('\n'));
}

/** Relative to the current folder when below it, else absolute. */
function shortPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}
