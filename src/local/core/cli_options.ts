import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { checkAccountKeys, DEFAULT_ACCOUNT_KEYS, type AccountKeys } from './account.js';

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
  help: { type: 'boolean', short: 'h' },
  watch: { type: 'boolean' },
  'no-watch': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];
type ValueFlag = Exclude<keyof typeof OPTIONS, 'help' | 'watch' | 'no-watch'>;

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
    const name = token.name as ValueFlag;
    if (values[name] !== undefined) throw new CliUsageError(`--${name} is given twice.`);
    const value = token.value;
    if (!value || (!token.inlineValue && /^--?[a-z]/.test(value))) throw new CliUsageError(`--${name} needs a value.`);
    values[name] = value;
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
  return {
    accountKeys,
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
