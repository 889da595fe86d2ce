import { beforeAll } from 'vitest';
import { synthesizeBackend, type SynthesizedBackend } from './synth.js';
import { describePushConfigured } from './requirements/push.js';
import { describeOutputs } from './requirements/outputs.js';
import { describeHardening, describeRetention } from './requirements/hardening.js';
import { describeStacks } from './requirements/stacks.js';
import { describeNag } from './requirements/nag.js';

// A branch deployment (Amplify Hosting) with push credentials configured, as production runs.
const secrets = { apns: 'mobileapp/apns-token-key', fcm: 'mobileapp/fcm-service-account' };
let synth: SynthesizedBackend;
beforeAll(async () => {
  synth = await synthesizeBackend('branch', { env: { PUSH_APNS_SECRET: secrets.apns, PUSH_FCM_SECRET: secrets.fcm } });
});
const get = () => synth;

describePushConfigured(get, secrets);
describeOutputs(get, ['APNS', 'FCM']);
describeHardening(get);
describeRetention(get, 'branch');
describeStacks(get);
describeNag(get);
