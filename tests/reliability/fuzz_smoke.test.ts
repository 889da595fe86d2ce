import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzEnvOf } from '../../reliability/fuzz/env.js';
import { fuzzRealtime } from '../../reliability/fuzz/realtime.js';
import { runFuzz } from '../../reliability/fuzz/runner.js';
import { fuzzTargets, type FuzzEnv } from '../../reliability/fuzz/targets.js';
import { repoRoot } from '../fixtures/assembly.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';

/**
 * The short version of `npm run reliability -- fuzz` that runs in CI: a few seeded cases per
 * endpoint of this repository's backend, and every case that once broke a rule
 * (reliability/fuzz/regressions.json). No reply may be a 5xx, a dropped connection or an error out of
 * its service's shape, and the health check must pass after each batch.
 */

const CASES_PER_TARGET = 25;
const regressions = (JSON.parse(readFileSync(path.join(repoRoot, 'reliability', 'fuzz', 'regressions.json'), 'utf8')) as { cases: { target: string; seed: number }[] }).cases;

let cloud: TestLocalCloud;
let env: FuzzEnv;

beforeAll(async () => {
  cloud = await startLocalCloud();
  env = await fuzzEnvOf(cloud.cloud);
});

afterAll(async () => {
  await cloud?.stop();
});

describe('bad input, bounded', () => {
  it('derives a target for every endpoint this backend has, signed with guest credentials', () => {
    expect(env.credentials?.accessKeyId).toMatch(/^ASIA[0-9A-Z]{16}$/);
    expect(fuzzTargets(env).map((t) => t.name)).toEqual(expect.arrayContaining(['cognito-idp', 'cognito-identity', 'graphql', 'dynamodb', 's3', 'pinpoint', 'kinesis', 'ssm', 'kms', 'sqs', 'sts', 'lambda', 'admin']));
  });

  it('replays every recorded regression without a rule broken', async () => {
    const report = await runFuzz(env, fuzzTargets(env), { caCertPath: cloud.cloud.caCertPath, seed: 1, cases: 0, only: regressions });
    const sockets = regressions.filter((r) => r.target === 'realtime').map((r) => r.seed);
    const rt = await fuzzRealtime(env, { caCertPath: cloud.cloud.caCertPath, seed: 1, connections: 0, only: sockets });
    expect(report.targets.reduce((n, t) => n + t.cases, 0) + rt.cases).toBe(regressions.length);
    expect([...report.failures, ...rt.failures]).toEqual([]);
  });

  it("answers fresh seeded cases on every endpoint in each service's own error shape", async () => {
    const seed = Number(process.env.FUZZ_SEED ?? 1);
    const report = await runFuzz(env, fuzzTargets(env), { caCertPath: cloud.cloud.caCertPath, seed, cases: CASES_PER_TARGET });
    expect({ seed, failures: report.failures }).toEqual({ seed, failures: [] });
    expect(report.healthChecks).toBeGreaterThanOrEqual(fuzzTargets(env).length);
  });

  it('keeps the realtime socket well-behaved under damaged frames', async () => {
    const rt = await fuzzRealtime(env, { caCertPath: cloud.cloud.caCertPath, seed: 1, connections: 6 });
    expect(rt.failures).toEqual([]);
  });
});
