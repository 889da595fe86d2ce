import { promises as dnsPromises } from 'node:dns';
import { connect, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createLocalCloud } from '../../../src/local/app.js';
import { startHostnameRoutes } from '../../../src/local/hostnames/routes.js';

const names = ['sts.us-east-1.amazonaws.com'];
const serves = (h: string) => names.includes(h);

function resolverAt(port: number) {
  const r = new dnsPromises.Resolver({ timeout: 1000, tries: 1 });
  r.setServers([`127.0.0.1:${port}`]);
  return r;
}

describe('startHostnameRoutes', () => {
  it('answers with loopback when the front door binds every interface, and --dns-answer overrides it', async () => {
    const routes = await startHostnameRoutes({ options: { dns: { port: 0 } }, names, serves, frontDoor: { host: '0.0.0.0', port: 20002 } });
    try {
      expect(routes.dns?.answer).toBe('127.0.0.1');
      expect(await resolverAt(routes.dns!.port).resolve4(names[0])).toEqual(['127.0.0.1']);
      expect(routes.proxy).toBeUndefined();
      expect(routes.describe().join('\n')).toMatch(/1 AWS names → 127\.0\.0\.1, everything else REFUSED[\s\S]*redirect it to 20002/);
    } finally {
      await routes.close();
    }
    const android = await startHostnameRoutes({ options: { dns: { port: 0, answer: '10.0.2.2' } }, names, serves, frontDoor: { host: '127.0.0.1', port: 443 } });
    try {
      expect(await resolverAt(android.dns!.port).resolve4(names[0])).toEqual(['10.0.2.2']);
      expect(android.describe().join('\n')).not.toContain('redirect');
    } finally {
      await android.close();
    }
  });

  it('frees both ports on close', async () => {
    const routes = await startHostnameRoutes({ options: { dns: { port: 0 }, proxy: { port: 0 } }, names, serves, frontDoor: { host: '127.0.0.1', port: 1 } });
    const { dns, proxy } = routes;
    expect(routes.describe().join('\n')).toContain(`Proxy         http://127.0.0.1:${proxy!.port} (CONNECT): AWS names → the front door, other hosts 403`);
    await routes.close();
    for (const port of [dns!.port, proxy!.port]) {
      const refused = await new Promise<boolean>((resolve) => connect(port, '127.0.0.1').once('connect', () => resolve(false)).once('error', () => resolve(true)));
      expect(refused, `port ${port}`).toBe(true);
    }
  });

  it('closes the DNS server when the proxy cannot start, and says which port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as { port: number }).port;
    try {
      await expect(
        startHostnameRoutes({ options: { dns: { port: 0 }, proxy: { port: taken } }, names, serves, frontDoor: { host: '127.0.0.1', port: 1 } }),
      ).rejects.toThrow(`Proxy port ${taken} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  });

  it('refuses a DNS port that is taken, naming the flag', async () => {
    const first = await startHostnameRoutes({ options: { dns: { port: 0 } }, names, serves, frontDoor: { host: '127.0.0.1', port: 1 } });
    try {
      await expect(startHostnameRoutes({ options: { dns: { port: first.dns!.port } }, names, serves, frontDoor: { host: '127.0.0.1', port: 1 } })).rejects.toThrow(
        /DNS port \d+ on 127\.0\.0\.1 is already in use\. Resolution: pick another with --dns/,
      );
    } finally {
      await first.close();
    }
  });
});

describe('createLocalCloud with hostnameRoutes', () => {
  it('refuses them with awsHostnames: false, before starting anything', async () => {
    await expect(createLocalCloud({ dataDir: '/nonexistent/never-created', awsHostnames: false, hostnameRoutes: { dns: { port: 0 } } })).rejects.toThrow(
      /hostnameRoutes .* need awsHostnames/,
    );
  });
});
