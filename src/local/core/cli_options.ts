import { isIP } from 'node:net';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { OUTPUTS_FORMATS, parseOutputsFormats, type OutputsFormat } from '../outputs_formats.js';
import { checkAccountKeys, DEFAULT_ACCOUNT_KEYS, type AccountKeys } from './account.js';
import { parseListenAddress } from './listen_address.js';

/** Everything `npm start` accepts, validated into one object (the CLI passes it on unchanged). */
export interface CliOptions {
  port: number;
  host: string;
  dataDir: string;
  outputsPath: string;
  /** The outputs file as the banner names it: as given when absolute, else relative to the current folder. */
  outputsLabel: string;
  region: string;
  projectDir: string;
  /** The account's developer keys (`--access-key-id` / `--secret-access-key`). */
  accountKeys: AccountKeys;
  /** `--import <dir>`: a snapshot loaded at start, replacing the data dir's state. */
  importDir?: string;
  /** `--export-on-exit <dir>`: where a snapshot is written on Ctrl-C / SIGTERM. */
  exportOnExit?: string;
  /** `--dns [host:]port`: the DNS server for the backend's AWS hostnames. */
  dns?: { host: string; port: number; answer?: string };
  /** `--proxy [host:]port` (+ `--proxy-passthrough`): the CONNECT proxy for them. */
  proxy?: { host: string; port: number; passthrough: boolean };
  /** `--aws-hostnames`: also answer as the backend's AWS hostnames, outputs in the deployed shape. */
  awsHostnames: boolean;
  /** `--outputs-format` (repeatable or a comma list); undefined: the mode's default. */
  outputsFormats?: OutputsFormat[];
  /** Hot reload of amplify/ on save (default on; `--no-watch` turns it off). */
  watch: boolean;
  help: boolean;
}

export const CLI_DEFAULTS = {
  port: 20002,
  host: '127.0.0.1',
  dataDir: '.amplify/local',
  outputs: 'amplify_outputs.json',
  region: 'us-east-1',
  dnsPort: 20053,
  proxyPort: 20080,
} as const;

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export const USAGE = `Usage: npm start -- [options]

Synthesizes amplify/ offline and serves it on one HTTPS port with Cognito, AppSync, S3, Lambda and
Pinpoint compatible endpoints, then writes amplify_outputs.json for the aws-amplify client.

Options:
  --port <n>        HTTPS port (default ${CLI_DEFAULTS.port}; 0 picks a free port)
  --data-dir <dir>  where users, items, files and the TLS CA are kept (default ${CLI_DEFAULTS.dataDir})
  --outputs <file>  outputs file to write (default ${CLI_DEFAULTS.outputs})
  --region <name>   region the local resources claim to be in (default ${CLI_DEFAULTS.region})
  --project <dir>   folder holding amplify/ (default: current folder)
  --host <addr>     address to bind (default ${CLI_DEFAULTS.host}; anything else exposes the local cloud)
  --access-key-id <id>, --secret-access-key <key>
                    the local account's developer keys, an administrator (default
                    ${DEFAULT_ACCOUNT_KEYS.accessKeyId} / ${DEFAULT_ACCOUNT_KEYS.secretAccessKey}); give both or neither
  --import <dir>    load a snapshot at start; it replaces the data dir's state (README, "Seed data")
  --export-on-exit <dir>
                    write a snapshot of the state into <dir> on Ctrl-C / SIGTERM
  --aws-hostnames   also answer as the backend's AWS hostnames (cognito-idp.<region>.amazonaws.com,
                    <api-id>.appsync-api.<region>.amazonaws.com, s3.<region>.amazonaws.com...) for
                    native apps that ignore custom endpoints; outputs get the deployed URLs. Route
                    those names here (a hosts file, --dns, --proxy); see the README
  --outputs-format <f>
                    outputs files to write: ${OUTPUTS_FORMATS.join(', ')} (repeat or comma-separate;
                    default json, with --aws-hostnames all three: amplify_outputs.json,
                    amplifyconfiguration.json, amplify_outputs.dart)
  --dns [host:]port a DNS server (UDP+TCP, default host 127.0.0.1, e.g. --dns ${CLI_DEFAULTS.dnsPort}) resolving the
                    backend's AWS hostnames to the local cloud and refusing every other name
  --dns-answer <ip> the address the DNS server answers (default: the local cloud's; 10.0.2.2 for an
                    Android emulator, the machine's LAN address for a device)
  --proxy [host:]port
                    an HTTPS (CONNECT) proxy (e.g. --proxy ${CLI_DEFAULTS.proxyPort}) tunnelling the backend's AWS
                    hostnames to the local cloud; other hosts get 403
  --proxy-passthrough
                    let the proxy tunnel other hosts directly instead
                    (--dns and --proxy serve the AWS hostnames, so they turn on --aws-hostnames)
  --no-watch        do not reload amplify/ on save (hot reload is on by default: a save
                    re-synthesizes and swaps the changed services, keeping data and users;
                    status at GET /_local/reload)
  -h, --help        show this help

Environment:
  AMPLIFY_LOCAL_CA_DIR  keep the TLS CA in this folder instead of <data-dir>/tls
`;

const OPTIONS = {
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  outputs: { type: 'string' },
  region: { type: 'string' },
  project: { type: 'string' },
  host: { type: 'string' },
  'access-key-id': { type: 'string' },
  'secret-access-key': { type: 'string' },
  import: { type: 'string' },
  'export-on-exit': { type: 'string' },
  dns: { type: 'string' },
  'dns-answer': { type: 'string' },
  proxy: { type: 'string' },
  'proxy-passthrough': { type: 'boolean' },
  'outputs-format': { type: 'string' },
  'aws-hostnames': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  watch: { type: 'boolean' },
  'no-watch': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];
type ValueFlag = Exclude<keyof typeof OPTIONS, 'help' | 'aws-hostnames' | 'outputs-format' | 'proxy-passthrough' | 'watch' | 'no-watch'>;

/**
 * Parses `npm start` arguments; throws CliUsageError with a message naming the bad flag.
 * `parseArgs` tokenizes; the checks are ours so that `--port -1` reads as a bad port, not as a
 * missing value, and a flag given twice is an error rather than "last one wins".
 */
export function parseCliOptions(argv: readonly string[], cwd: string = process.cwd()): CliOptions {
  const { tokens } = parseArgs({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const values: Partial<Record<ValueFlag, string>> = {};
  let help = false;
  let watch: boolean | undefined;
  let proxyPassthrough = false;
  let awsHostnames = false;
  const formatValues: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') throw new CliUsageError(`Unexpected argument "${token.value}".`);
    if (token.kind === 'option-terminator') throw new CliUsageError('Unexpected argument "--".');
    if (!Object.hasOwn(OPTIONS, token.name)) throw new CliUsageError(`Unknown option ${token.rawName}.`);
    if (token.name === 'help') {
      help = true;
      continue;
    }
    if (token.name === 'watch' || token.name === 'no-watch') {
      if (token.value !== undefined) throw new CliUsageError(`--${token.name} takes no value.`);
      const on = token.name === 'watch';
      if (watch !== undefined && watch !== on) throw new CliUsageError('--watch and --no-watch contradict each other: give one.');
      watch = on;
      continue;
    }
    if (token.name === 'proxy-passthrough') {
      if (token.value !== undefined) throw new CliUsageError('--proxy-passthrough takes no value.');
      proxyPassthrough = true;
      continue;
    }
    if (token.name === 'aws-hostnames') {
      if (token.value !== undefined) throw new CliUsageError('--aws-hostnames takes no value.');
      awsHostnames = true;
      continue;
    }
    const value = token.value;
    if (!value || (!token.inlineValue && /^--?[a-z]/.test(value))) throw new CliUsageError(`--${token.name} needs a value.`);
    if (token.name === 'outputs-format') {
      // Repeatable: each occurrence adds formats.
      formatValues.push(value);
      continue;
    }
    const name = token.name as ValueFlag;
    if (values[name] !== undefined) throw new CliUsageError(`--${name} is given twice.`);
    values[name] = value;
  }
  let outputsFormats: OutputsFormat[] | undefined;
  try {
    outputsFormats = formatValues.length ? parseOutputsFormats(formatValues) : undefined;
  } catch (err) {
    throw new CliUsageError(`--outputs-format: ${(err as Error).message}.`);
  }

  const port = values.port === undefined ? CLI_DEFAULTS.port : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliUsageError(`--port must be a whole number from 0 to 65535 (0 = any free port); got "${values.port}".`);
  }
  const region = values.region ?? CLI_DEFAULTS.region;
  if (!/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/.test(region)) {
    throw new CliUsageError(`--region must look like an AWS region (e.g. us-east-1); got "${region}".`);
  }
  const host = values.host ?? CLI_DEFAULTS.host;
  if (!/^[0-9a-fA-F:.]+$/.test(host) && host !== 'localhost') {
    throw new CliUsageError(`--host must be an IP address (default 127.0.0.1); got "${host}".`);
  }
  const projectDir = path.resolve(cwd, values.project ?? '.');
  const keyId = values['access-key-id'];
  const secret = values['secret-access-key'];
  if ((keyId === undefined) !== (secret === undefined)) {
    throw new CliUsageError('--access-key-id and --secret-access-key go together: give both or neither.');
  }
  const outputsPath = values.outputs ? path.resolve(cwd, values.outputs) : path.join(projectDir, CLI_DEFAULTS.outputs);
  const outputsLabel = values.outputs && path.isAbsolute(values.outputs) ? outputsPath : path.relative(cwd, outputsPath) || outputsPath;
  const accountKeys = keyId && secret ? { accessKeyId: keyId, secretAccessKey: secret } : DEFAULT_ACCOUNT_KEYS;
  try {
    checkAccountKeys(accountKeys);
  } catch (err) {
    throw new CliUsageError(`--access-key-id/--secret-access-key: ${(err as Error).message}.`);
  }
  const importDir = values.import === undefined ? undefined : path.resolve(cwd, values.import);
  const exportOnExit = values['export-on-exit'] === undefined ? undefined : path.resolve(cwd, values['export-on-exit']);
  const routes = parseRouteFlags(values, proxyPassthrough);
  return {
    ...routes,
    accountKeys,
    ...(importDir ? { importDir } : {}),
    ...(exportOnExit ? { exportOnExit } : {}),
    // --dns and --proxy route the AWS hostnames here: they imply the mode that answers as them.
    awsHostnames: awsHostnames || routes.dns !== undefined || routes.proxy !== undefined,
    outputsFormats,
    port,
    host,
    region,
    projectDir,
    // Given paths are relative to where the command runs; defaults live in the project.
    dataDir: values['data-dir'] ? path.resolve(cwd, values['data-dir']) : path.join(projectDir, CLI_DEFAULTS.dataDir),
    outputsPath,
    outputsLabel,
    watch: watch ?? true,
    help,
  };
}

function parseRouteFlags(values: Partial<Record<ValueFlag, string>>, passthrough: boolean): Pick<CliOptions, 'dns' | 'proxy'> {
  const read = (flag: 'dns' | 'proxy') => {
    const value = values[flag];
    if (value === undefined) return undefined;
    const parsed = parseListenAddress(value, CLI_DEFAULTS.host);
    if (typeof parsed === 'string') throw new CliUsageError(`--${flag}: ${parsed}.`);
    return parsed;
  };
  const dns = read('dns');
  const proxy = read('proxy');
  if (passthrough && !proxy) throw new CliUsageError('--proxy-passthrough needs --proxy [host:]port.');
  const answer = values['dns-answer'];
  if (answer !== undefined && !dns) throw new CliUsageError('--dns-answer needs --dns [host:]port.');
  if (answer !== undefined && !isIP(answer)) throw new CliUsageError(`--dns-answer must be an IP address; got "${answer}".`);
  // DNS listens on TCP as well: one port cannot take both.
  if (dns && proxy && dns.port !== 0 && dns.port === proxy.port && dns.host === proxy.host) {
    throw new CliUsageError(`--dns and --proxy both ask for ${dns.host}:${dns.port}; give them different ports.`);
  }
  return { dns: dns && (answer ? { ...dns, answer } : dns), proxy: proxy && { ...proxy, passthrough } };
}
