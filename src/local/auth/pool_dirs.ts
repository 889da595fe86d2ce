import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../core/logger.js';

/** What one pool keeps: users, signing key, token sessions, pending challenges. */
const POOL_FILES = ['users.json', 'signing-key.json', 'token-sessions.json', 'challenges.json'];

/** Each user pool keeps its state in `<data-dir>/auth/<poolId>/`. */
export function poolDir(serviceDir: string, userPoolId: string): string {
  return path.join(serviceDir, userPoolId);
}

/**
 * Data dirs written when the local cloud served one pool kept its files directly in
 * `<data-dir>/auth/`. They move, once, into the folder of the pool they belong to — the pool the
 * signing key names when it is still in the backend, else the primary — so no user is lost.
 * A pool folder that already has users is never overwritten.
 */
export function migrateSinglePoolLayout(serviceDir: string, userPoolIds: readonly string[], log: Logger): void {
  const present = POOL_FILES.filter((f) => existsSync(path.join(serviceDir, f)));
  if (present.length === 0 || userPoolIds.length === 0) return;
  const owner = keyOwner(serviceDir);
  const target = owner !== undefined && userPoolIds.includes(owner) ? owner : userPoolIds[0];
  const dir = poolDir(serviceDir, target);
  if (existsSync(path.join(dir, 'users.json'))) {
    log.warn(`auth: ${present.join(', ')} in ${serviceDir} left alone: user pool ${target} already has its own state in ${dir}`);
    return;
  }
  mkdirSync(dir, { recursive: true });
  for (const f of present) renameSync(path.join(serviceDir, f), path.join(dir, f));
  log.info(`auth: moved the single-pool state (${present.join(', ')}) into ${dir}`);
}

function keyOwner(serviceDir: string): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path.join(serviceDir, 'signing-key.json'), 'utf8')) as { userPoolId?: unknown };
    return typeof parsed.userPoolId === 'string' ? parsed.userPoolId : undefined;
  } catch {
    return undefined;
  }
}
