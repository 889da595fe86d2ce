import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliUsageError, parseCliOptions } from '../../../src/local/core/cli_options.js';

const cwd = '/work/app';

describe('parseCliOptions', () => {
  it('defaults to port 20002 on loopback with the project data dir and outputs file', () => {
    expect(parseCliOptions([], cwd)).toEqual({
      port: 20002,
      host: '127.0.0.1',
      region: 'us-east-1',
      projectDir: cwd,
      dataDir: path.join(cwd, '.amplify/local'),
      outputsPath: path.join(cwd, 'amplify_outputs.json'),
      outputsLabel: 'amplify_outputs.json',
      accountKeys: { accessKeyId: 'AKIALOCALDEVELOPER01', secretAccessKey: 'localDeveloperSecretAccessKey/0000000000' },
      watch: true,
      awsHostnames: false,
      help: false,
    });
  });

  it('reloads amplify/ on save unless --no-watch is given', () => {
    expect(parseCliOptions(['--no-watch'], cwd).watch).toBe(false);
    expect(parseCliOptions(['--watch'], cwd).watch).toBe(true);
    expect(() => parseCliOptions(['--watch', '--no-watch'], cwd)).toThrow(/contradict/);
    expect(() => parseCliOptions(['--no-watch=yes'], cwd)).toThrow(/takes no value/);
  });

  it('turns on AWS-hostname mode with --aws-hostnames, which takes no value', () => {
    expect(parseCliOptions(['--aws-hostnames'], cwd).awsHostnames).toBe(true);
    expect(() => parseCliOptions(['--aws-hostnames=yes'], cwd)).toThrow(/takes no value/);
  });

  it('takes --outputs-format repeated or as a comma list, and refuses unknown formats', () => {
    expect(parseCliOptions([], cwd).outputsFormats).toBeUndefined();
    expect(parseCliOptions(['--outputs-format', 'json-mobile,dart'], cwd).outputsFormats).toEqual(['json-mobile', 'dart']);
    expect(parseCliOptions(['--outputs-format=dart', '--outputs-format', 'json', '--outputs-format', 'dart'], cwd).outputsFormats).toEqual(['dart', 'json']);
    expect(() => parseCliOptions(['--outputs-format', 'yaml'], cwd)).toThrow(CliUsageError);
    expect(() => parseCliOptions(['--outputs-format', 'yaml'], cwd)).toThrow(/unknown outputs format "yaml"/);
    expect(() => parseCliOptions(['--outputs-format'], cwd)).toThrow(/needs a value/);
  });

  it('takes the developer keys from --access-key-id and --secret-access-key, both or neither', () => {
    const o = parseCliOptions(['--access-key-id', 'AKIAMYTEAMKEY0000001', '--secret-access-key', 'team-secret-123'], cwd);
    expect(o.accountKeys).toEqual({ accessKeyId: 'AKIAMYTEAMKEY0000001', secretAccessKey: 'team-secret-123' });
    expect(() => parseCliOptions(['--access-key-id', 'AKIAMYTEAMKEY0000001'], cwd)).toThrow(/give both or neither/);
    expect(() => parseCliOptions(['--access-key-id', 'short', '--secret-access-key', 'team-secret-123'], cwd)).toThrow(/access key id must be 16 to 128/);
  });

  it('resolves --import and --export-on-exit against the current folder; both may name the same snapshot', () => {
    expect(parseCliOptions(['--import', 'seed', '--export-on-exit', 'seed'], cwd)).toMatchObject({ importDir: path.join(cwd, 'seed'), exportOnExit: path.join(cwd, 'seed') });
    expect(parseCliOptions([], cwd)).not.toHaveProperty('importDir');
    expect(() => parseCliOptions(['--import'], cwd)).toThrow('--import needs a value.');
    expect(() => parseCliOptions(['--export-on-exit', '--port', '1'], cwd)).toThrow('--export-on-exit needs a value.');
  });

  it('accepts "--flag value" and "--flag=value" forms', () => {
    const o = parseCliOptions(['--port', '0', '--data-dir=/tmp/d', '--outputs', 'out/o.json', '--region', 'eu-west-2'], cwd);
    expect(o).toMatchObject({ port: 0, dataDir: '/tmp/d', outputsPath: path.join(cwd, 'out/o.json'), region: 'eu-west-2' });
  });

  it('names the outputs file as given when absolute, else relative to the current folder', () => {
    expect(parseCliOptions(['--outputs', '/srv/shared/amplify_outputs.json'], cwd)).toMatchObject({
      outputsPath: '/srv/shared/amplify_outputs.json',
      outputsLabel: '/srv/shared/amplify_outputs.json',
    });
    expect(parseCliOptions(['--outputs', '../my-app/amplify_outputs.json'], cwd).outputsLabel).toBe('../my-app/amplify_outputs.json');
    expect(parseCliOptions(['--outputs', './out//o.json'], cwd).outputsLabel).toBe('out/o.json');
    expect(parseCliOptions(['--project', 'backend'], cwd).outputsLabel).toBe('backend/amplify_outputs.json');
  });

  it('recognises --help and -h', () => {
    expect(parseCliOptions(['--help'], cwd).help).toBe(true);
    expect(parseCliOptions(['-h'], cwd).help).toBe(true);
  });

  it.each([
    [['--port', 'abc'], /--port must be a whole number/],
    [['--port', '70000'], /--port must be a whole number/],
    [['--port', '-1'], /--port must be a whole number/],
    [['--port', '1.5'], /--port must be a whole number/],
    [['--port'], /--port needs a value/],
    [['--data-dir', '--port', '1'], /--data-dir needs a value/],
    [['--region', 'mars'], /--region must look like an AWS region/],
    [['--host', 'example.com'], /--host must be an IP address/],
    [['--colour'], /Unknown option --colour/],
    [['-x'], /Unknown option -x/],
    [['--port='], /--port needs a value/],
    [['serve'], /Unexpected argument "serve"/],
    [['--port', '1', '--port', '2'], /--port is given twice/],
  ])('rejects %j with a clear message', (argv, message) => {
    expect(() => parseCliOptions(argv, cwd)).toThrow(CliUsageError);
    expect(() => parseCliOptions(argv, cwd)).toThrow(message);
  });
});
