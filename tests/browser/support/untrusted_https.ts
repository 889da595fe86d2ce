import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCa, createLeaf } from '../../../src/local/core/tls.js';

/**
 * An HTTPS server on loopback whose certificate comes from a freshly minted CA that nobody trusts:
 * the browser must refuse it while it accepts the local cloud, which shows the trust is the CA's and
 * not certificate checking switched off.
 */
export async function startUntrustedHttps(): Promise<{ url: string; close(): Promise<void> }> {
  const ca = createCa();
  const leaf = createLeaf(ca.certPem, ca.keyPem);
  const server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => {
    res.writeHead(200, { 'access-control-allow-origin': '*', 'content-type': 'text/plain' }).end('reachable');
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
