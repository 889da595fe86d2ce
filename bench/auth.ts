/**
 * `npm run bench -- auth`: what the local user pool costs.
 *
 *   - SRP sign-ins per second: the full USER_SRP_AUTH + PASSWORD_VERIFIER exchange (InitiateAuth,
 *     RespondToAuthChallenge, token issuance) through the service's `fetch`, with the client half of
 *     SRP computed in the same process (it costs about as much as the server half, so the server-only
 *     time is reported too), then the same over HTTPS through the front door;
 *   - token verification per request: `auth.tokens.verify` (what data/storage/identity call), next to
 *     its floors in the same process: a bare RS256 signature check of the same token, and an HMAC-SHA256
 *     check of a same-size token (what a shared-secret scheme would cost); plus GetUser through `fetch`.
 *
 * BENCH_SIGNINS (default 200), BENCH_VERIFY (default 5000). Sequential, one core.
 */
import { createHmac, createPublicKey, createVerify, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadBackendModel } from '../src/local/assembly/load_assembly.js';
import { createLocalCloud } from '../src/local/app.js';
import { createAuthService } from '../src/local/auth/index.js';
import { claimSignature, clientSessionKey, formatSrpTimestamp, g, hexToBigInt, modPowN } from '../src/local/auth/srp.js';
import { accountCredentials, DEFAULT_ACCOUNT_KEYS } from '../src/local/core/account.js';
import { cryptoIds, systemClock } from '../src/local/core/clock.js';
import { silentLogger } from '../src/local/core/logger.js';
import type { Outbox, OutboxMessage } from '../src/local/core/outbox.js';
import { Registry } from '../src/local/core/registry.js';
import { getTestAssembly } from '../tests/fixtures/assembly.js';
import { signForTest } from '../tests/helpers/sigv4.js';
import type { BenchFigure } from './lib/report.js';
import { stats, type Stats } from './lib/stats.js';

const SIGNINS = Number(process.env.BENCH_SIGNINS ?? 200);
const VERIFY = Number(process.env.BENCH_VERIFY ?? 5000);
const PASSWORD = 'Bench-passw0rd!';


class NullOutbox implements Outbox {
  private readonly messages: OutboxMessage[] = [];
  add(m: Omit<OutboxMessage, 'id' | 'createdAt'>): OutboxMessage {
    const stored = { ...m, id: String(this.messages.length), createdAt: new Date().toISOString() };
    this.messages.push(stored);
    return stored;
  }
  list(f: { to?: string } = {}): OutboxMessage[] {
    return this.messages.filter((m) => !f.to || m.to === f.to);
  }
  clear(): void {
    this.messages.length = 0;
  }
}

type Send = (op: string, body: unknown) => Promise<Record<string, unknown>>;

/** One full SRP sign-in; returns the milliseconds the server spent (its two responses). */
async function srpSignIn(send: Send, poolId: string, clientId: string, username: string): Promise<{ serverMs: number; tokens: Record<string, string> }> {
  const a = hexToBigInt(randomBytes(128).toString('hex'));
  const A = modPowN(g, a);
  let t = performance.now();
  const init = await send('InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: clientId, AuthParameters: { USERNAME: username, SRP_A: A.toString(16) } });
  let serverMs = performance.now() - t;
  const p = init.ChallengeParameters as Record<string, string>;
  const poolName = poolId.split('_')[1];
  const key = clientSessionKey({ poolName, username: p.USER_ID_FOR_SRP, password: PASSWORD, saltHex: p.SALT, a, A, B: hexToBigInt(p.SRP_B) });
  const timestamp = formatSrpTimestamp(Date.now());
  const body = {
    ChallengeName: 'PASSWORD_VERIFIER',
    ClientId: clientId,
    ChallengeResponses: {
      USERNAME: p.USER_ID_FOR_SRP,
      PASSWORD_CLAIM_SECRET_BLOCK: p.SECRET_BLOCK,
      TIMESTAMP: timestamp,
      PASSWORD_CLAIM_SIGNATURE: claimSignature(key, poolName, p.USER_ID_FOR_SRP, p.SECRET_BLOCK, timestamp),
    },
  };
  t = performance.now();
  const done = await send('RespondToAuthChallenge', body);
  serverMs += performance.now() - t;
  const tokens = done.AuthenticationResult as Record<string, string> | undefined;
  if (!tokens) throw new Error(`sign-in failed: ${JSON.stringify(done)}`);
  return { serverMs, tokens };
}

function sender(doFetch: (req: Request) => Promise<Response>, endpoint: string): Send {
  return async (op, body) => {
    const init = {
      url: `${endpoint}/`,
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${op}` },
      body: JSON.stringify(body),
    };
    // Admin calls are signed with the developer keys, as Cognito requires.
    const req = op.startsWith('Admin')
      ? await signForTest({ ...init, credentials: DEFAULT_ACCOUNT_KEYS, service: 'cognito-idp', signingDate: new Date() })
      : new Request(init.url, init);
    const res = await doFetch(req);
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${op}: ${JSON.stringify(json)}`);
    return json;
  };
}

async function createUser(send: Send, poolId: string, clientId: string, email: string): Promise<void> {
  await send('SignUp', { ClientId: clientId, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'phone_number', Value: '+15555550100' }] });
  await send('AdminConfirmSignUp', { UserPoolId: poolId, Username: email });
}

async function signInRun(send: Send, poolId: string, clientId: string, username: string, n: number) {
  for (let i = 0; i < Math.min(10, n); i++) await srpSignIn(send, poolId, clientId, username);
  const total: number[] = [];
  const server: number[] = [];
  let tokens: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await srpSignIn(send, poolId, clientId, username);
    total.push(performance.now() - t0);
    server.push(r.serverMs);
    tokens = r.tokens;
  }
  return { total: stats(total), server: stats(server), tokens };
}

function loop(n: number, fn: () => unknown): Stats {
  for (let i = 0; i < Math.min(200, n); i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return stats(samples);
}

async function loopAsync(n: number, fn: () => Promise<unknown>): Promise<Stats> {
  for (let i = 0; i < Math.min(200, n); i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return stats(samples);
}

function row(label: string, s: Stats, unit = 'ops/s'): string {
  return `${label.padEnd(58)} ${s.perSecond.toFixed(s.perSecond < 100 ? 1 : 0).padStart(9)} ${unit.padEnd(10)} mean ${s.mean.toFixed(3).padStart(8)} ms  p50 ${s.p50.toFixed(3).padStart(8)}  p99 ${s.p99.toFixed(3).padStart(8)}  (n=${s.n})`;
}

export async function main(): Promise<BenchFigure[]> {
  const model = loadBackendModel(await getTestAssembly(), { region: 'us-east-1' });
  const auth = model.auth!;
  const poolId = auth.userPool.id;
  const clientId = auth.defaultClientId;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-auth-'));
  const lines: string[] = [];
  try {
    // ── in-process: the service's fetch, no sockets ──────────────────────────────────────
    const registry = new Registry();
    const service = createAuthService({
      model,
      dataDir: path.join(dataDir, 'inproc'),
      endpoint: 'https://127.0.0.1:20002',
      registry,
      clock: systemClock,
      ids: cryptoIds,
      outbox: new NullOutbox(),
      log: silentLogger,
    });
    const account = accountCredentials(model);
    registry.provide('identity.credentials', {
      lookup: (id) => (id === account.accessKeyId ? account : undefined),
      issueForRole: () => {
        throw new Error('the bench issues no credentials');
      },
    });
    registry.publish(await service.start());
    service.connect?.(registry);
    const send = sender((req) => service.fetch(req), 'https://127.0.0.1:20002');
    await createUser(send, poolId, clientId, 'bench@example.com');
    const inproc = await signInRun(send, poolId, clientId, 'bench@example.com', SIGNINS);

    // ── the same through HTTPS, the front door and the router ─────────────────────────────
    const cloud = await createLocalCloud({ model, dataDir: path.join(dataDir, 'cloud'), port: 0, outputsPath: null, log: silentLogger, factories: [{ name: 'auth', create: createAuthService }] });
    const { overHttps, httpsFloor } = await (async () => {
      try {
        const sendHttps = sender((req) => fetch(req), cloud.endpoint);
        await createUser(sendHttps, poolId, clientId, 'bench@example.com');
        const n = Math.max(20, Math.floor(SIGNINS / 2));
        // The transport alone: one HTTPS round trip to the frame's health route, on the same connection pool.
        const floor = await loopAsync(n, async () => (await fetch(`${cloud.endpoint}/_local/health`)).arrayBuffer());
        return { overHttps: await signInRun(sendHttps, poolId, clientId, 'bench@example.com', n), httpsFloor: floor };
      } finally {
        await cloud.stop();
      }
    })();

    // ── token verification next to its floors ────────────────────────────────────────────
    const access = inproc.tokens.AccessToken;
    const verifier = registry.get('auth.tokens');
    const verifyStats = await loopAsync(VERIFY, () => verifier.verify(access, { tokenUse: 'access', clientId }));
    const jwks = (await (await service.fetch(new Request(`https://127.0.0.1:20002/${poolId}/.well-known/jwks.json`))).json()) as { keys: object[] };
    const publicKey = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' });
    const [h64, p64, s64] = access.split('.');
    const signature = Buffer.from(s64, 'base64url');
    const rs256 = loop(VERIFY, () => {
      if (!createVerify('RSA-SHA256').update(`${h64}.${p64}`).verify(publicKey, signature)) throw new Error('bad');
    });
    const secret = randomBytes(32);
    const hmacSig = createHmac('sha256', secret).update(`${h64}.${p64}`).digest();
    const hmac = loop(VERIFY, () => {
      const mac = createHmac('sha256', secret).update(`${h64}.${p64}`).digest();
      if (!timingSafeEqual(mac, hmacSig)) throw new Error('bad');
    });
    const getUser = await loopAsync(Math.floor(VERIFY / 5), () => send('GetUser', { AccessToken: access }));

    // ── the primitives behind a sign-in ──────────────────────────────────────────────────
    const b = hexToBigInt(randomBytes(128).toString('hex'));
    const modexp = loop(200, () => modPowN(g, b));
    await service.stop();

    lines.push(
      `auth benchmark — ${new Date().toISOString()} — node ${process.version}, ${cpus().length} cores, load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} — ${model.stackName}`,
      '',
      'SRP sign-in (USER_SRP_AUTH + PASSWORD_VERIFIER, tokens issued), sequential:',
      row('  in-process fetch, client + server', inproc.total, 'sign-ins/s'),
      row('  in-process fetch, server time only', inproc.server, 'sign-ins/s'),
      row('  HTTPS front door, client + server', overHttps.total, 'sign-ins/s'),
      row('  HTTPS front door, server time only (incl. TLS + HTTP)', overHttps.server, 'sign-ins/s'),
      row('  baseline: one HTTPS round trip (GET /_local/health)', httpsFloor, 'req/s'),
      row('  primitive: one 3072-bit modexp with a 1024-bit exponent', modexp),
      '',
      'Token verification per request (same access token, same process):',
      row('  auth.tokens.verify (same token: claims, revocation)', verifyStats, 'verifies/s'),
      row('  baseline: bare RS256 signature check (node:crypto)', rs256, 'verifies/s'),
      row('  baseline: HMAC-SHA256 check of the same signing input', hmac, 'verifies/s'),
      row('  GetUser through fetch (parse, verify, look up, serialize)', getUser, 'calls/s'),
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    return [
      {
        scenario: 'auth',
        figure: 'SRP sign-in over HTTPS (client + server), p50',
        value: overHttps.total.p50,
        unit: 'ms',
        better: 'lower',
        baseline: { name: 'one HTTPS round trip to the same port', value: httpsFloor.p50 },
        note: `(server alone ${overHttps.server.p50.toFixed(1)} ms; three 3072-bit modexps ≈ ${(3 * modexp.p50).toFixed(1)} ms)`,
      },
      {
        scenario: 'auth',
        figure: 'access-token verification per request, p50',
        value: verifyStats.p50,
        unit: 'ms',
        better: 'lower',
        baseline: { name: 'bare RS256 signature check', value: rs256.p50 },
      },
    ];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
