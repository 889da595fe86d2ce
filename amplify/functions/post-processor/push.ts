import { SendMessagesCommand, type ChannelType, type PinpointClient } from '@aws-sdk/client-pinpoint';

export type DevicePlatform = 'APNS' | 'FCM';

export interface PushTarget {
  token: string;
  platform: DevicePlatform;
}

export interface PushMessage {
  title: string;
  body: string;
  data?: Record<string, string>;
}

export interface PushResult {
  sent: number;
  failed: number;
}

type Logger = Pick<Console, 'info' | 'warn' | 'error'>;

/** Which Pinpoint app to send through, and the channel type its APNs channel takes. */
export interface PushApp {
  appId: string | undefined;
  /** `APNS_SANDBOX` when the app's APNs channel is the sandbox (development builds) one. */
  apnsChannelType?: 'APNS' | 'APNS_SANDBOX';
}

/** FCM tokens travel on Pinpoint's GCM channel type; APNs tokens on APNS (or APNS_SANDBOX). */
function channelOf(platform: DevicePlatform, app: PushApp): ChannelType {
  return platform === 'FCM' ? 'GCM' : (app.apnsChannelType ?? 'APNS');
}

/**
 * Sends one message to the given device tokens as direct addresses (no Pinpoint endpoints or
 * segments: those ended with Pinpoint's end of support). Never throws: a push that fails is
 * logged and reported in the result, because a post must never fail over a notification.
 */
export async function sendPush(
  client: PinpointClient,
  app: PushApp,
  targets: readonly PushTarget[],
  message: PushMessage,
  log: Logger = console,
): Promise<PushResult> {
  const unique = new Map(targets.map((t) => [t.token, t]));
  if (unique.size === 0) return { sent: 0, failed: 0 };
  if (!app.appId) {
    log.warn('push skipped: PINPOINT_APP_ID is not set');
    return { sent: 0, failed: unique.size };
  }
  const addresses = Object.fromEntries(
    [...unique.values()].map((t) => [t.token, { ChannelType: channelOf(t.platform, app) }]),
  );
  try {
    const out = await client.send(
      new SendMessagesCommand({
        ApplicationId: app.appId,
        MessageRequest: {
          Addresses: addresses,
          MessageConfiguration: {
            APNSMessage: { Action: 'OPEN_APP', Title: message.title, Body: message.body, Data: message.data },
            GCMMessage: { Action: 'OPEN_APP', Title: message.title, Body: message.body, Data: message.data },
          },
        },
      }),
    );
    const results = out.MessageResponse?.Result ?? {};
    let sent = 0;
    for (const [token, r] of Object.entries(results)) {
      if (r.DeliveryStatus === 'SUCCESSFUL') sent += 1;
      else log.warn(`push to ${token.slice(0, 8)}… not delivered: ${r.DeliveryStatus} ${r.StatusMessage ?? ''}`);
    }
    return { sent, failed: unique.size - sent };
  } catch (err) {
    log.error(`push failed: ${(err as Error).name}: ${(err as Error).message}`);
    return { sent: 0, failed: unique.size };
  }
}
