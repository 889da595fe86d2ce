import { beforeAll } from 'vitest';
import { synthesizeBackend, type SynthesizedBackend } from './synth.js';
import { describeAuth } from './requirements/auth.js';
import { describeData } from './requirements/data.js';
import { describeStorage } from './requirements/storage.js';
import { describePostProcessor } from './requirements/post_processor.js';
import { describePushNotConfigured } from './requirements/push.js';
import { describeAnalytics } from './requirements/analytics.js';
import { describeMonitoring } from './requirements/monitoring.js';
import { describeOutputs } from './requirements/outputs.js';
import { describeHardening, describeRetention } from './requirements/hardening.js';
import { describeStacks } from './requirements/stacks.js';
import { describeNag } from './requirements/nag.js';

// One in-process synthesis of a sandbox deployment (no push credentials), shared by every suite.
let synth: SynthesizedBackend;
beforeAll(async () => {
  synth = await synthesizeBackend('sandbox');
});
const get = () => synth;

describeAuth(get);
describeData(get);
describeStorage(get);
describePostProcessor(get);
describePushNotConfigured(get);
describeAnalytics(get);
describeMonitoring(get);
describeOutputs(get, undefined);
describeHardening(get);
describeRetention(get, 'sandbox');
describeStacks(get);
describeNag(get);
