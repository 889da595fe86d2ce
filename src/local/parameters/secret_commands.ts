import path from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_ACCOUNT_ID } from '../assembly/load_assembly.js';
import { backendIdentifier, type BackendIdentifier } from '../assembly/synth.js';
import { CLI_DEFAULTS } from '../core/cli_options.js';
import { SsmError } from './errors.js';
import { LockTimeoutError } from './file_lock.js';
import { isUnderPath } from './parameter_names.js';
import { current, ParameterStore } from './parameter_store.js';
import { backendParameterPrefix, SECRET_NAME, secretPath } from './secret_paths.js';

/**
 * `npm run local:secret -- set|get|list|remove`: `ampx sandbox secret` for the local cloud. It writes
 * the data dir's parameter store directly, under the store's file lock, so it works the same whether
 * or not the local cloud is running (a running one reads the change at the next call).
 */

export const SECRET_USAGE = `Usage: npm run local:secret -- <command> [options]

Secrets of the local backend, kept in the local SSM Parameter Store (as \`npx ampx sandbox secret\` does
in AWS). Functions read them at cold start from process.env, through Gen 2's own banner.

Commands:
  set <name>       set a secret; the value is prompted for (hidden), or read from stdin when piped
  get <name>       print a secret's name, version, value and last update
  list             list the secrets set for this backend
  remove <name>    remove a secret (--all removes every secret of this backend)

Options:
  --project <dir>   folder holding amplify/ (default: current folder)
  --data-dir <dir>  the local cloud's data dir (default <project>/${CLI_DEFAULTS.dataDir})
  -h, --help        show this help
`;

/** The terminal (or pipe) the commands talk through. */
export interface SecretIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  now(): number;
}

class UsageError extends Error {}

/** Who the store records as having written a value (DescribeParameters' LastModifiedUser). */
const CLI_USER = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/local-secret-cli`;

async function readPiped(stdin: SecretIo['stdin']): Promise<string> {
  // Verbatim, as ampx reads it: `echo v |` keeps its newline, `printf v |` does not.
  let value = '';
  stdin.setEncoding('utf8');
  for await (const chunk of stdin) value += String(chunk);
  return value;
}

/** A hidden prompt: raw mode, one `*` per character, Enter ends, Ctrl-C cancels. */
function promptHidden(io: SecretIo): Promise<string> {
  const input = io.stdin;
  io.err('? Enter secret value › ');
  input.setRawMode?.(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      io.err('\n');
    };
    const onData = (chunk: string | Buffer) => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new UsageError('Cancelled; no secret was set.'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') {
          if (value) io.err('\b \b');
          value = value.slice(0, -1);
          continue;
        }
        value += ch;
        io.err('*');
      }
    };
    input.on('data', onData);
  });
}

function secretName(name: string | undefined, command: string): string {
  if (!name) throw new UsageError(`\`${command}\` needs a secret name: npm run local:secret -- ${command} <name>`);
  if (!SECRET_NAME.test(name)) throw new UsageError(`Invalid secret name provided: ${name}. Resolution: use a secret name that matches [a-zA-Z0-9_.-]+`);
  return name;
}

/** The backend's secrets: the parameters directly under its prefix, as `ampx sandbox secret list` reads them. */
function backendSecrets(store: ParameterStore, id: BackendIdentifier) {
  return store.list().filter((p) => isUnderPath(p.name, backendParameterPrefix(id), false));
}

/** Runs one command; returns the process exit code (0 ok, 1 failed, 2 usage). */
export async function runSecretCommand(argv: readonly string[], io: SecretIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: { project: { type: 'string' }, 'data-dir': { type: 'string' }, all: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    const [command, name, ...extra] = positionals;
    if (values.help) {
      io.out(SECRET_USAGE);
      return 0;
    }
    if (!command) throw new UsageError('Name a command: set, get, list or remove.');
    if (extra.length) throw new UsageError(`Unexpected argument "${extra[0]}".`);
    const projectDir = path.resolve(io.cwd, values.project ?? '.');
    const dataDir = values['data-dir'] ? path.resolve(io.cwd, values['data-dir']) : path.join(projectDir, CLI_DEFAULTS.dataDir);
    const store = new ParameterStore(path.join(dataDir, 'parameters'));
    const id = backendIdentifier({ projectDir });

    switch (command) {
      case 'set': {
        const secret = secretName(name, 'set');
        const value = io.stdin.isTTY ? await promptHidden(io) : await readPiped(io.stdin);
        const v = store.put({ name: secretPath(id, secret), value, type: 'SecureString', description: 'Amplify Secret', overwrite: true }, io.now(), CLI_USER);
        io.out(`Successfully created version ${v.version} of secret ${secret}\n`);
        return 0;
      }
      case 'get': {
        const secret = secretName(name, 'get');
        const p = store.get(secretPath(id, secret));
        if (!p) {
          io.err(`Secret ${secret} is not set for this backend (${secretPath(id, secret)}).\nResolution: npm run local:secret -- set ${secret}\n`);
          return 1;
        }
        const v = current(p);
        io.out(`name: ${secret}\nversion: ${v.version}\nvalue: ${v.value}\nlastUpdated: ${new Date(v.modifiedAt).toString()}\n`);
        return 0;
      }
      case 'list': {
        if (name) throw new UsageError(`Unexpected argument "${name}".`);
        const secrets = backendSecrets(store, id);
        io.out(
          secrets.length
            ? `${secrets.map((p) => ` - ${p.name.split('/').pop()}`).join('\n')}\n`
            : 'No sandbox secrets found. To create a secret use npm run local:secret -- set <secret-name>.\n',
        );
        return 0;
      }
      case 'remove': {
        if (values.all) {
          if (name) throw new UsageError('Give a secret name or --all, not both.');
          store.delete(backendSecrets(store, id).map((p) => p.name));
          io.out('Successfully removed all secrets\n');
          return 0;
        }
        const secret = secretName(name, 'remove');
        if (store.delete([secretPath(id, secret)]).length === 0) {
          io.err(`Secret ${secret} is not set for this backend (${secretPath(id, secret)}); nothing was removed.\n`);
          return 1;
        }
        io.out(`Successfully removed secret ${secret}\n`);
        return 0;
      }
      default:
        throw new UsageError(`Unknown command "${command}": use set, get, list or remove.`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))) {
      io.err(`${err.message}\nRun \`npm run local:secret -- --help\` for the commands.\n`);
      return 2;
    }
    if (err instanceof SsmError || err instanceof LockTimeoutError) {
      io.err(`${err.name}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
