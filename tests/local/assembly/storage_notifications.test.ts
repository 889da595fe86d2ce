import { describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../../src/local/assembly/load_assembly.js';
import { getFixtureAssembly } from '../../fixtures/assembly.js';

describe('loadBackendModel: storage triggers (tests/fixtures/storage-triggers)', () => {
  it('reads defineStorage triggers from CDK\'s Custom::S3BucketNotifications into the bucket', async () => {
    const model = loadBackendModel(await getFixtureAssembly('storage-triggers'));
    const [bucket] = model.storage!.buckets;
    const byEvent = Object.fromEntries(bucket.notifications!.map((n) => [n.events.join(','), n]));
    const fn = (friendly: string) => model.functions.find((f) => f.friendlyName === friendly)!;

    expect(Object.keys(byEvent).sort()).toEqual(['s3:ObjectCreated:*', 's3:ObjectRemoved:*']);
    expect(byEvent['s3:ObjectCreated:*']).toMatchObject({ functionLogicalId: fn('onUpload').logicalId, functionArn: fn('onUpload').arn });
    expect(byEvent['s3:ObjectRemoved:*']).toMatchObject({ functionLogicalId: fn('onDelete').logicalId, functionArn: fn('onDelete').arn });
    for (const n of bucket.notifications!) {
      expect(n.prefix).toBeUndefined();
      expect(n.suffix).toBeUndefined();
      // The template sets no Id: S3 would assign one (base64); the local one is stable across loads.
      expect(n.id).toMatch(/^[A-Za-z0-9+/]+=*$/);
    }
    const again = loadBackendModel(await getFixtureAssembly('storage-triggers')).storage!.buckets[0].notifications!;
    expect(again.map((n) => n.id)).toEqual(bucket.notifications!.map((n) => n.id));
    expect(new Set(bucket.notifications!.map((n) => n.id)).size).toBe(2);
    // CDK's notifications handler is machinery, never one of the user's functions.
    expect(model.functions.map((f) => f.friendlyName).sort()).toEqual(['onDelete', 'onUpload']);
  });
});
