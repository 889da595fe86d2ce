import { createHash } from 'node:crypto';

/**
 * Deterministic local physical ids. Every id is derived from a seed (the stack path plus the
 * logical id), so loading the same assembly twice — or re-synthesizing an unchanged backend —
 * gives the same ids, and persisted local state keeps matching. The shapes copy AWS's so clients
 * that validate ids (the Amplify JS client checks pool ids, for example) accept them.
 */

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
export const ALNUM = UPPER + LOWER + DIGITS;
export const LOWER_ALNUM = LOWER + DIGITS;
export const UPPER_ALNUM = UPPER + DIGITS;
export const HEX = '0123456789abcdef';

/** `length` characters of `alphabet`, drawn from sha256 of the seed (re-hashed as needed). */
export function derive(seed: string, alphabet: string, length: number): string {
  let out = '';
  let block = createHash('sha256').update(seed).digest();
  let i = 0;
  while (out.length < length) {
    if (i >= block.length) {
      block = createHash('sha256').update(block).digest();
      i = 0;
    }
    // Rejection sampling keeps the characters uniform.
    const byte = block[i++];
    const limit = 256 - (256 % alphabet.length);
    if (byte < limit) out += alphabet[byte % alphabet.length];
  }
  return out;
}

/** A v4-shaped UUID derived from the seed. */
export function uuidFrom(seed: string): string {
  const h = derive(`uuid:${seed}`, HEX, 32).split('');
  h[12] = '4';
  h[16] = '89ab'[parseInt(h[16], 16) % 4];
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** `us-east-1_AbC123xyZ`: region, underscore, 9 alphanumerics. */
export const userPoolId = (region: string, seed: string) => `${region}_${derive(`userpool:${seed}`, ALNUM, 9)}`;
/** 26 lowercase alphanumerics, like a Cognito app client id. */
export const userPoolClientId = (seed: string) => derive(`client:${seed}`, LOWER_ALNUM, 26);
/** A client secret (51 characters of Cognito's alphabet). */
export const userPoolClientSecret = (seed: string) => derive(`client-secret:${seed}`, LOWER_ALNUM, 51);
/** `us-east-1:<uuid>`. */
export const identityPoolId = (region: string, seed: string) => `${region}:${uuidFrom(`identitypool:${seed}`)}`;
/** 26 lowercase alphanumerics, like AppSync API and function ids. */
export const appSyncId = (seed: string) => derive(`appsync:${seed}`, LOWER_ALNUM, 26);
/** `da2-` + 26 lowercase alphanumerics, like an AppSync API key. */
export const appSyncApiKey = (seed: string) => `da2-${derive(`apikey:${seed}`, LOWER_ALNUM, 26)}`;
/** 32 hex characters, like a Pinpoint application id. */
export const pinpointAppId = (seed: string) => derive(`pinpoint:${seed}`, HEX, 32);
/** `AROA` + 17 characters, like an IAM role id. */
export const roleId = (seed: string) => `AROA${derive(`roleid:${seed}`, UPPER_ALNUM, 17)}`;

/**
 * A name as CloudFormation generates it when a template gives none: `<stack>-<logicalId>-<SUFFIX>`,
 * both parts truncated so the whole fits `maxLength`.
 */
export function generatedName(stackName: string, logicalId: string, seed: string, maxLength = 64): string {
  const suffix = derive(`name:${seed}`, UPPER_ALNUM, 12);
  const budget = maxLength - suffix.length - 2;
  let stackPart = stackName;
  let logicalPart = logicalId;
  if (stackPart.length + logicalPart.length > budget) {
    // Share the budget, giving any unused share of one part to the other.
    const half = Math.floor(budget / 2);
    stackPart = stackPart.slice(0, Math.max(half, budget - logicalPart.length));
    logicalPart = logicalPart.slice(0, budget - stackPart.length);
  }
  return `${stackPart.replace(/-+$/, '')}-${logicalPart}-${suffix}`;
}

/** A nested stack's physical name, `<parent>-<logicalId>-<SUFFIX>` (at most 128 characters). */
export const nestedStackName = (parentName: string, logicalId: string, seed: string) =>
  generatedName(parentName, logicalId, `stack:${seed}`, 128);

/**
 * A local bucket name. It always contains a dot: the v6 client addresses such buckets path-style
 * (`https://host/<bucket>/<key>`), which is what lets one local port serve every bucket.
 */
export function bucketName(friendly: string, seed: string): string {
  const hash = derive(`bucket:${seed}`, HEX, 8);
  const tail = `.${hash}.local`;
  let base = friendly
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  base = base.slice(0, 63 - tail.length).replace(/[^a-z0-9]+$/, '');
  return `${base || 'bucket'}${tail}`;
}
