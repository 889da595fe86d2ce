import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffsetClock } from '../../reliability/matrix/identities.js';
import { runMatrix, type MatrixTarget } from '../../reliability/matrix/run_matrix.js';
import { dataRulesOf, storageRulesOf } from '../../reliability/matrix/rules.js';
import { loadBackendModel } from '../../src/local/assembly/load_assembly.js';
import { getFixtureAssembly } from '../fixtures/assembly.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';

/**
 * The short version of `npm run reliability -- matrix` that runs in CI: one model of this
 * repository's backend with every caller and every operation, and one storage path, must show no
 * mismatch; the same cases judged against deliberately wrong rules must show mismatches, so the
 * comparison is known to be able to fail.
 */

const clock = new OffsetClock();
let cloud: TestLocalCloud;
let target: MatrixTarget;

/** A model whose rules mix an owner rule with a broader read rule: both kinds of verdict show. */
function pickModel() {
  const models = dataRulesOf(cloud.cloud.model)!.models;
  const mixed = models.find((m) => m.rules.some((r) => r.allow === 'owner') && m.rules.some((r) => r.allow !== 'owner' && r.operations.includes('read')));
  return (mixed ?? models[0]).name;
}

beforeAll(async () => {
  cloud = await startLocalCloud({ clock });
  target = { endpoint: cloud.endpoint, outputs: cloud.outputs, model: cloud.cloud.model, caCertPath: cloud.cloud.caCertPath, clock, outbox: (f) => cloud.outbox(f) };
});

let rulesCloud: TestLocalCloud | undefined;

afterAll(async () => {
  await cloud?.stop();
  await rulesCloud?.stop();
});

describe('derived authorization matrix, bounded', () => {
  it('finds what the rules allow and nothing else, for every caller of one model and one storage path', async () => {
    const model = pickModel();
    const report = await runMatrix(target, { models: [model], storagePaths: 1, quietMs: 150 });
    expect(report.dimensions.callers).toEqual(expect.arrayContaining(['owner', 'other', 'guest', 'none', 'forged', 'expired']));
    expect(report.cases.filter((c) => c.area === 'data' && !c.operation.includes('.'))).toHaveLength(8 * report.dimensions.callers.length);
    expect(report.cases.filter((c) => c.area === 'storage').length).toBeGreaterThanOrEqual(4 * 3);
    // Every kind of caller went through the real client at least once.
    for (const caller of report.dimensions.callers) expect(report.cases.some((c) => c.caller === caller && c.transport === 'aws-amplify')).toBe(true);
    // Both verdicts occur, so the matrix is not trivially all-allowed or all-refused.
    expect(report.cases.some((c) => c.expected === 'allowed')).toBe(true);
    expect(report.cases.some((c) => c.expected === 'refused')).toBe(true);
    expect(report.mismatches).toEqual([]);
  });

  it('reports mismatches when judged against rules that are not the deployed ones', async () => {
    const model = pickModel();
    const storagePath = storageRulesOf(cloud.cloud.model)[0];
    const report = await runMatrix(target, {
      models: [model],
      storagePaths: 1,
      quietMs: 150,
      // Owners only: the broader read rules (the model's and its fields') are left out of the expectation.
      alterModel: (m) => ({
        ...m,
        rules: m.rules.filter((r) => r.allow === 'owner'),
        fieldRules: Object.fromEntries(Object.entries(m.fieldRules).map(([f, rules]) => [f, rules.filter((r) => r.allow === 'owner')])),
      }),
      // Nobody may write on the first path.
      alterStorage: (rules) => rules.map((r) => (r.bucket === storagePath.bucket && r.path === storagePath.path ? { ...r, access: Object.fromEntries(Object.entries(r.access).map(([k, v]) => [k, v.filter((a) => a !== 'write')])) } : r)),
    });
    expect(report.mismatches.length).toBeGreaterThan(0);
    expect(report.mismatches).toContainEqual(expect.objectContaining({ area: 'data', operation: 'get', caller: 'other', expected: 'refused', actual: 'allowed' }));
    expect(report.mismatches).toContainEqual(expect.objectContaining({ area: 'data', operation: 'list', caller: 'other', expected: 'own' }));
    expect(report.mismatches).toContainEqual(expect.objectContaining({ area: 'storage', operation: 'write', caller: 'owner', expected: 'refused', actual: 'allowed' }));
  });
});

describe('derived authorization matrix, another backend', () => {
  it('holds for group roles, identity-pool rules and a sub-path that takes its parent’s grants away', async () => {
    const model = loadBackendModel(await getFixtureAssembly('authz-rules'), { region: 'us-east-1' });
    const rulesClock = new OffsetClock();
    rulesCloud = await startLocalCloud({ model, clock: rulesClock });
    const report = await runMatrix(
      { endpoint: rulesCloud.endpoint, outputs: rulesCloud.outputs, model, caCertPath: rulesCloud.cloud.caCertPath, clock: rulesClock, outbox: (f) => rulesCloud!.outbox(f) },
      { models: ['Board'], quietMs: 150 },
    );
    expect(report.dimensions.callers).toEqual(expect.arrayContaining(['group:Editors', 'group:Auditors', 'owner-iam', 'guest']));
    // Group members act with their group's role: what only a group may do is allowed to its member alone.
    const groupOnly = report.cases.filter((c) => c.area === 'storage' && c.caller.startsWith('group:') && c.expected === 'allowed');
    expect(groupOnly.length).toBeGreaterThan(0);
    expect(report.mismatches).toEqual([]);
  });
});
