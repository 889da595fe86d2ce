import { describe, expect, it } from 'vitest';
import { parseCliOptions } from '../../../src/local/core/cli_options.js';
import { parseListenAddress } from '../../../src/local/core/listen_address.js';

const cwd = '/work/app';

describe('--dns and --proxy', () => {
  it('are off by default', () => {
    const o = parseCliOptions([], cwd);
    expect(o.dns).toBeUndefined();
    expect(o.proxy).toBeUndefined();
  });

  it('take a port or host:port, loopback by default', () => {
    expect(parseCliOptions(['--dns', '20053', '--proxy=127.0.0.2:20080'], cwd)).toMatchObject({
      dns: { host: '127.0.0.1', port: 20053 },
      proxy: { host: '127.0.0.2', port: 20080, passthrough: false },
    });
    expect(parseCliOptions(['--proxy', '[::1]:0', '--proxy-passthrough'], cwd).proxy).toEqual({ host: '::1', port: 0, passthrough: true });
  });

  it('turn on --aws-hostnames, which they route', () => {
    expect(parseCliOptions([], cwd).awsHostnames).toBe(false);
    expect(parseCliOptions(['--dns', '0'], cwd).awsHostnames).toBe(true);
    expect(parseCliOptions(['--proxy', '0'], cwd).awsHostnames).toBe(true);
    expect(() => parseCliOptions(['--proxy', '0', '--proxy-passthrough=yes'], cwd)).toThrow(/takes no value/);
  });

  it('take the address to answer with --dns-answer', () => {
    expect(parseCliOptions(['--dns', '0', '--dns-answer', '10.0.2.2'], cwd).dns).toEqual({ host: '127.0.0.1', port: 0, answer: '10.0.2.2' });
  });

  it('refuse bad addresses, a passthrough without a proxy and one port for both', () => {
    expect(() => parseCliOptions(['--dns', 'abc'], cwd)).toThrow(/--dns: expected \[host:\]port/);
    expect(() => parseCliOptions(['--dns', '70000'], cwd)).toThrow(/--dns: the port must be from 0 to 65535/);
    expect(() => parseCliOptions(['--proxy', 'example.com:20080'], cwd)).toThrow(/--proxy: expected/);
    expect(() => parseCliOptions(['--dns'], cwd)).toThrow(/--dns needs a value/);
    expect(() => parseCliOptions(['--proxy-passthrough'], cwd)).toThrow(/--proxy-passthrough needs --proxy/);
    expect(() => parseCliOptions(['--dns', '20053', '--proxy', '127.0.0.1:20053'], cwd)).toThrow(/different ports/);
    expect(() => parseCliOptions(['--dns-answer', '10.0.2.2'], cwd)).toThrow(/--dns-answer needs --dns/);
    expect(() => parseCliOptions(['--dns', '0', '--dns-answer', 'host.local'], cwd)).toThrow(/--dns-answer must be an IP address/);
  });
});

describe('parseListenAddress', () => {
  it('reads the forms and maps localhost to 127.0.0.1', () => {
    expect(parseListenAddress('53', '127.0.0.1')).toEqual({ host: '127.0.0.1', port: 53 });
    expect(parseListenAddress('localhost:5300', '::1')).toEqual({ host: '127.0.0.1', port: 5300 });
    expect(parseListenAddress('[fe80::1]:1', '127.0.0.1')).toEqual({ host: 'fe80::1', port: 1 });
    expect(parseListenAddress('1.2.3:53', '127.0.0.1')).toMatch(/must be an IP address/);
    expect(parseListenAddress(':53', '127.0.0.1')).toMatch(/expected/);
  });
});
