import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { ParameterPathConversions } from '@aws-amplify/platform-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParameterStore } from '../../../src/local/parameters/parameter_store.js';
import { runSecretCommand, type SecretIo } from '../../../src/local/parameters/secret_commands.js';
import { backendParameterPrefix, secretPath, sharedSecretPath } from '../../../src/local/parameters/secret_paths.js';
import { secretsBackendDir } from '../../fixtures/assembly.js';

/** `npm run local:secret` commands against a temp data dir, through a fake terminal or pipe. */

let dataDir: string;
const SANDBOX_PREFIX = '/amplify/secrets/local-sandbox-d112b7f766';

interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs a command; `input` is piped, or typed into a raw-mode terminal when `tty`. */
async function run(args: string[], input = '', tty = false): Promise<Run & { rawModes: boolean[] }> {
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean; setRawMode?(mode: boolean): void };
  const rawModes: boolean[] = [];
  if (tty) {
    stdin.isTTY = true;
    stdin.setRawMode = (mode) => void rawModes.push(mode);
  }
  let out = '';
  let err = '';
  const io: SecretIo = { stdin, out: (t) => (out += t), err: (t) => (err += t), cwd: secretsBackendDir, now: () => Date.UTC(2026, 5, 1) };
  const running = runSecretCommand([...args, '--data-dir', dataDir], io);
  if (tty) setImmediate(() => stdin.write(input));
  else stdin.end(input);
  const code = await running;
  return { code, out, err, rawModes };
}

const store = () => new ParameterStore(path.join(dataDir, 'parameters'));

beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'secret-cli-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('secret paths', () => {
  it.each([
    { namespace: 'secrets', name: 'local', type: 'sandbox' as const },
    { namespace: 'amplify-mobile-backend', name: 'local', type: 'sandbox' as const },
    { namespace: 'My_App.2', name: 'feature/x-1', type: 'branch' as const },
  ])('are the ones @aws-amplify/platform-core builds for $namespace/$name', (id) => {
    expect(secretPath(id, 'API_KEY')).toBe(ParameterPathConversions.toParameterFullPath(id, 'API_KEY'));
    expect(sharedSecretPath(id, 'API_KEY')).toBe(ParameterPathConversions.toParameterFullPath(id.namespace, 'API_KEY'));
    expect(backendParameterPrefix(id)).toBe(ParameterPathConversions.toParameterPrefix(id));
  });
});

describe('npm run local:secret', () => {
  it('sets a piped value verbatim as a SecureString at the sandbox path, like ampx', async () => {
    expect(await run(['set', 'API_KEY'], 'line\n')).toMatchObject({ code: 0, out: 'Successfully created version 1 of secret API_KEY\n' });
    const p = store().get(`${SANDBOX_PREFIX}/API_KEY`)!;
    expect(p.versions[0]).toMatchObject({ value: 'line\n', type: 'SecureString', description: 'Amplify Secret', version: 1 });
    expect((await run(['set', 'API_KEY'], 'again')).out).toBe('Successfully created version 2 of secret API_KEY\n');
  });

  it('prompts without echoing the value when stdin is a terminal', async () => {
    const r = await run(['set', 'TOKEN'], 'ab\u007fc\r', true);
    expect(r.code).toBe(0);
    expect(store().get(`${SANDBOX_PREFIX}/TOKEN`)!.versions[0].value).toBe('ac');
    expect(r.err).toMatch(/Enter secret value/);
    expect(r.err).not.toMatch(/[abc]{2}/);
    expect(r.rawModes).toEqual([true, false]);
  });

  it('sets nothing when the prompt is cancelled with Ctrl-C', async () => {
    const r = await run(['set', 'TOKEN'], 'ab\u0003', true);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Cancelled/);
    expect(store().list()).toEqual([]);
  });

  it('gets, lists and removes the backend\'s secrets only', async () => {
    await run(['set', 'A'], '1');
    await run(['set', 'B'], '2');
    store().put({ name: '/amplify/other/local-sandbox-0000000000/C', value: '3', type: 'SecureString' }, 0, 'x');
    expect((await run(['list'])).out).toBe(' - A\n - B\n');
    const got = await run(['get', 'A']);
    expect(got.out).toMatch(/^name: A\nversion: 1\nvalue: 1\nlastUpdated: Mon Jun 01 2026/);
    expect(await run(['remove', 'A'])).toMatchObject({ code: 0, out: 'Successfully removed secret A\n' });
    expect(await run(['get', 'A'])).toMatchObject({ code: 1, err: expect.stringMatching(/Secret A is not set.*\nResolution: npm run local:secret -- set A/) });
    expect(await run(['remove', 'A'])).toMatchObject({ code: 1 });
    expect(await run(['remove', '--all'])).toMatchObject({ code: 0, out: 'Successfully removed all secrets\n' });
    expect((await run(['list'])).out).toMatch(/^No sandbox secrets found/);
    expect(store().list().map((p) => p.name)).toEqual(['/amplify/other/local-sandbox-0000000000/C']);
  });

  it.each([
    [['set', 'bad/name'], /Invalid secret name provided: bad\/name/],
    [['set'], /needs a secret name/],
    [['rotate', 'X'], /Unknown command "rotate"/],
    [[], /Name a command/],
    [['list', '--bogus'], /Run `npm run local:secret -- --help`/],
  ])('refuses %j with a usage error and changes nothing', async (args, message) => {
    const r = await run(args, 'v');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(store().list()).toEqual([]);
  });

  it('refuses an empty value in SSM\'s words', async () => {
    expect(await run(['set', 'EMPTY'], '')).toMatchObject({ code: 1, err: expect.stringMatching(/^ValidationException: .*length greater than or equal to 1/) });
  });
});
