import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/** Browser commands looked up on PATH, in order: Debian's chromium first, then a Google Chrome (CI runners). */
const COMMANDS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** CHROMIUM_PATH when set, else the first of COMMANDS on PATH (the same order .ci/run checks). */
export function findChromium(): string {
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`CHROMIUM_PATH=${explicit} does not exist`);
    return explicit;
  }
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const command of COMMANDS) {
    const found = dirs.map((d) => path.join(d, command)).find((p) => existsSync(p));
    if (found) return found;
  }
  throw new Error(`No Chromium on PATH (looked for ${COMMANDS.join(', ')}). Resolution: \`apt-get install -y chromium\` or set CHROMIUM_PATH.`);
}

/**
 * A throwaway HOME whose NSS database trusts `caCertPath` as a TLS root: Chromium on Linux reads
 * trusted roots from $HOME/.pki/nssdb, so the browser trusts the local CA exactly as a developer's
 * machine would after the CLI's trust instructions — TLS verification stays on.
 */
export function homeTrustingCa(caCertPath: string): string {
  const home = mkdtempSync(path.join(tmpdir(), 'amplify-local-browser-home-'));
  const nssdb = path.join(home, '.pki', 'nssdb');
  mkdirSync(nssdb, { recursive: true });
  const certutil = (args: string[]) => {
    try {
      execFileSync('certutil', ['-d', `sql:${nssdb}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
      if (e.code === 'ENOENT') throw new Error('certutil not found. Resolution: `apt-get install -y libnss3-tools`.');
      throw new Error(`certutil ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`);
    }
  };
  certutil(['-N', '--empty-password']);
  certutil(['-A', '-t', 'C,,', '-n', 'amplify-local', '-i', caCertPath]);
  return home;
}

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

const ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** The browser's environment: HOME (and the XDG folders) inside the throwaway home that trusts the CA. */
function browserEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache') };
}

/**
 * Launches headless Chromium with a fresh profile and a HOME that trusts the local CA. `extraArgs`
 * are appended to the command line (e.g. `--host-resolver-rules` to route AWS hostnames here).
 */
export async function launchTrustingChromium(caCertPath: string, extraArgs: readonly string[] = []): Promise<TestBrowser> {
  const home = homeTrustingCa(caCertPath);
  const userDataDir = path.join(home, 'profile');
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: findChromium(),
      headless: true,
      timeout: 30_000,
      args: [...ARGS, ...extraArgs],
      env: browserEnv(home),
    });
  } catch (err) {
    rmSync(home, { recursive: true, force: true });
    throw err;
  }
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface TestBrowsers {
  /** A new isolated context (its own cookies and storage, so its own signed-in user), trusting the CA too. */
  newContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * Launches one headless Chromium for several users at once: each `newContext()` is isolated like a
 * separate profile, and all of them trust the local CA (NSS trust belongs to the browser process).
 */
export async function launchTrustingBrowser(caCertPath: string): Promise<TestBrowsers> {
  const home = homeTrustingCa(caCertPath);
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: findChromium(), headless: true, timeout: 30_000, args: ARGS, env: browserEnv(home) });
  } catch (err) {
    rmSync(home, { recursive: true, force: true });
    throw err;
  }
  return {
    newContext: () => browser.newContext(),
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
