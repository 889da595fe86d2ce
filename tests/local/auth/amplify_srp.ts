import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The real client's SRP helpers (`@aws-amplify/auth` dist, `providers/cognito/utils/srp`), loaded
 * by file path: they are internal to the package (no export map entry), and @aws-amplify/auth may be
 * nested under aws-amplify's own node_modules.
 */
export interface AmplifyBigInteger {
  toString(radix: number): string;
}

export interface AmplifySrp {
  getAuthenticationHelper(poolName: string): Promise<{
    A: AmplifyBigInteger;
    getPasswordAuthenticationKey(o: { username: string; password: string; serverBValue: AmplifyBigInteger; salt: AmplifyBigInteger }): Promise<Uint8Array>;
  }>;
  getNowString(): string;
  getSignatureString(o: { userPoolName: string; username: string; challengeParameters: Record<string, string>; dateNow: string; hkdf: Uint8Array }): string;
  BigInteger: new (hex: string, radix: number) => AmplifyBigInteger;
}

function authPackageDir(): string {
  const require = createRequire(import.meta.url);
  const amplifyDir = path.dirname(require.resolve('aws-amplify/package.json'));
  const nested = path.join(amplifyDir, 'node_modules', '@aws-amplify', 'auth');
  if (existsSync(nested)) return nested;
  return path.dirname(require.resolve('@aws-amplify/auth/package.json'));
}

export async function loadAmplifySrp(): Promise<AmplifySrp> {
  const dir = path.join(authPackageDir(), 'dist', 'esm', 'providers', 'cognito', 'utils', 'srp');
  const index = (await import(pathToFileURL(path.join(dir, 'index.mjs')).href)) as Omit<AmplifySrp, 'BigInteger'>;
  const big = (await import(pathToFileURL(path.join(dir, 'BigInteger', 'index.mjs')).href)) as { BigInteger: AmplifySrp['BigInteger'] };
  return { ...index, BigInteger: big.BigInteger };
}
