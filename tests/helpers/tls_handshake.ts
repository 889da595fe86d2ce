import { checkServerIdentity, connect, type PeerCertificate } from 'node:tls';

export interface Handshake {
  /** Null when the client accepted the server: the chain verified against `ca` and the name matched. */
  errorCode: string | null;
  /** The subjectAltName the server presented, accepted or not. */
  altNames?: string;
}

/**
 * A TLS handshake to 127.0.0.1:`port` asking for `servername`, with verification on: the chain must
 * lead to `ca` and the certificate must name `servername`. The presented certificate is recorded
 * on the way (Node's own identity check still decides), so a refusal can say what was shown.
 */
export function handshake(port: number, servername: string, ca: string): Promise<Handshake> {
  return new Promise((resolve) => {
    let presented: PeerCertificate | undefined;
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername,
      ca,
      checkServerIdentity: (host, cert) => {
        presented = cert;
        return checkServerIdentity(host, cert);
      },
    });
    socket.once('secureConnect', () => {
      resolve({ errorCode: null, altNames: socket.getPeerCertificate().subjectaltname });
      socket.end();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve({ errorCode: err.code ?? err.message, altNames: presented?.subjectaltname }));
  });
}
