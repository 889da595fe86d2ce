import { describe, expect, it } from 'vitest';
import { resourcesOfType, type SynthesizedBackend } from '../synth.js';

export function describePushNotConfigured(get: () => SynthesizedBackend): void {
  describe('push (amplify/custom/push.ts), no credentials configured', () => {
    it('the push project is a Pinpoint app in its own stack, with no channels', () => {
      const types = Object.values(get().stackNamed('push').json.Resources).map((r) => r.Type);
      expect(types).toEqual(['AWS::Pinpoint::App']);
    });

    it('says at synth time that the APNs and FCM channels were skipped and how to add them', () => {
      const out = get().console.join('\n');
      expect(out).toMatch(/push: APNs channel not created: set PUSH_APNS_SECRET/);
      expect(out).toMatch(/push: FCM channel not created: set PUSH_FCM_SECRET/);
      const warnings = get().messages.filter((m) => m.level === 'warning' && m.path.endsWith('/push/Push'));
      expect(warnings.map((w) => w.text)).toEqual([
        expect.stringContaining('APNs channel not created'),
        expect.stringContaining('FCM channel not created'),
      ]);
    });
  });
}

export function describePushConfigured(get: () => SynthesizedBackend, secrets: { apns: string; fcm: string }): void {
  describe('push (amplify/custom/push.ts), credentials configured', () => {
    const push = () => get().stackNamed('push').json;

    it('creates the APNs channel with token-key credentials read from Secrets Manager', () => {
      const [[, channel]] = resourcesOfType(push(), 'AWS::Pinpoint::APNSChannel');
      const field = (name: string) => `{{resolve:secretsmanager:${secrets.apns}:SecretString:${name}::}}`;
      expect(channel.Properties).toMatchObject({
        Enabled: true,
        DefaultAuthenticationMethod: 'TOKEN',
        TeamId: field('teamId'),
        TokenKeyId: field('keyId'),
        BundleId: field('bundleId'),
        TokenKey: field('privateKey'),
      });
    });

    it('creates the FCM channel with the service-account JSON read from Secrets Manager', () => {
      const [[, channel]] = resourcesOfType(push(), 'AWS::Pinpoint::GCMChannel');
      expect(channel.Properties).toMatchObject({
        Enabled: true,
        DefaultAuthenticationMethod: 'TOKEN',
        ServiceJson: `{{resolve:secretsmanager:${secrets.fcm}:SecretString:::}}`,
      });
    });

    it('both channels belong to the push app and no skip message is printed', () => {
      const [[appId]] = resourcesOfType(push(), 'AWS::Pinpoint::App');
      for (const type of ['AWS::Pinpoint::APNSChannel', 'AWS::Pinpoint::GCMChannel']) {
        expect(resourcesOfType(push(), type)[0][1].Properties.ApplicationId).toEqual({ Ref: appId });
      }
      expect(get().console.join('\n')).not.toMatch(/channel not created/);
    });
  });
}
