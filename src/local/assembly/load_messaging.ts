import type { LoadContext } from './context.js';
import type { MessagingModel } from './model_messaging.js';

/** AWS::Pinpoint::<X>Channel → the channel type SendMessages addresses. */
const CHANNEL_TYPES: Record<string, string> = {
  APNSChannel: 'APNS',
  APNSSandboxChannel: 'APNS_SANDBOX',
  APNSVoipChannel: 'APNS_VOIP',
  APNSVoipSandboxChannel: 'APNS_VOIP_SANDBOX',
  GCMChannel: 'GCM',
  BaiduChannel: 'BAIDU',
  ADMChannel: 'ADM',
  EmailChannel: 'EMAIL',
  SMSChannel: 'SMS',
  VoiceChannel: 'VOICE',
};

/** Pinpoint applications with their enabled channels, and Kinesis data streams. */
export function loadMessaging(ctx: LoadContext): MessagingModel {
  const { r } = ctx;
  const channelNodes = r.resources((t) => /^AWS::Pinpoint::\w+Channel$/.test(t));
  const pinpointApps = r.resources('AWS::Pinpoint::App').map((n) => {
    const id = String(r.ref(n.stack, n.logicalId));
    const channels = channelNodes
      .filter((c) => r.propString(c, 'ApplicationId') === id && r.prop(c, 'Enabled') !== false && r.prop(c, 'Enabled') !== 'false')
      .map((c) => CHANNEL_TYPES[c.def.Type.slice('AWS::Pinpoint::'.length)])
      .filter((t): t is string => t !== undefined);
    return {
      logicalId: n.logicalId,
      id,
      name: r.propString(n, 'Name') ?? n.logicalId,
      channels: [...new Set(channels)],
      arn: String(r.getAtt(n.stack, n.logicalId, 'Arn')),
    };
  });
  const kinesisStreams = r.resources('AWS::Kinesis::Stream').map((n) => ({
    logicalId: n.logicalId,
    name: String(r.ref(n.stack, n.logicalId)),
    arn: String(r.getAtt(n.stack, n.logicalId, 'Arn')),
  }));
  return { pinpointApps, kinesisStreams };
}
