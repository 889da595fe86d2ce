/**
 * What Pinpoint (AWS End User Messaging) would deliver to one address of a `SendMessages` call:
 * the channel's own message merged over the default push message and the default message, with
 * the address's overrides and substitutions applied.
 */

const PUSH_CHANNELS = ['APNS', 'APNS_SANDBOX', 'APNS_VOIP', 'APNS_VOIP_SANDBOX', 'GCM', 'BAIDU', 'ADM'] as const;
const ALL_CHANNELS = [...PUSH_CHANNELS, 'SMS', 'VOICE', 'EMAIL', 'CUSTOM', 'IN_APP', 'PUSH'] as const;

export type ChannelType = (typeof ALL_CHANNELS)[number];

export function isChannelType(value: unknown): value is ChannelType {
  return typeof value === 'string' && (ALL_CHANNELS as readonly string[]).includes(value);
}

function isPushChannel(channel: ChannelType): boolean {
  return (PUSH_CHANNELS as readonly string[]).includes(channel);
}

export interface AddressConfiguration {
  ChannelType?: string;
  BodyOverride?: string;
  TitleOverride?: string;
  RawContent?: string;
  Context?: Record<string, string>;
  Substitutions?: Record<string, string[]>;
}

type Json = Record<string, unknown>;

export interface ComposedMessage {
  /** Outbox channel. */
  channel: 'push' | 'sms' | 'email';
  title?: string;
  body: string;
  /** Everything else worth seeing in the outbox (action, data, url, raw payload...). */
  details: Record<string, unknown>;
}

/** Which member of MessageConfiguration speaks for a channel. */
const CHANNEL_MESSAGE: Record<string, string> = {
  APNS: 'APNSMessage',
  APNS_SANDBOX: 'APNSMessage',
  APNS_VOIP: 'APNSMessage',
  APNS_VOIP_SANDBOX: 'APNSMessage',
  GCM: 'GCMMessage',
  BAIDU: 'BaiduMessage',
  ADM: 'ADMMessage',
  SMS: 'SMSMessage',
  EMAIL: 'EmailMessage',
};

function obj(value: unknown): Json | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `{{Name}}` → the first value of that substitution; unknown variables stay as written. */
function substitute(text: string, substitutions: Record<string, unknown>): string {
  return text.replace(/\{\{\s*([^}\s]+)\s*\}\}/g, (whole, name: string) => {
    const values = substitutions[name];
    return Array.isArray(values) && typeof values[0] === 'string' ? values[0] : whole;
  });
}

/**
 * The message for `address` on `channel`, or a reason why there is none (then Pinpoint reports a
 * permanent failure for that address). `config` is the request's MessageConfiguration.
 */
export function composeMessage(
  channel: ChannelType,
  address: AddressConfiguration,
  config: Json,
): { ok: true; message: ComposedMessage } | { ok: false; reason: string } {
  const defaultMessage = obj(config.DefaultMessage) ?? {};
  const defaultPush = obj(config.DefaultPushNotificationMessage) ?? {};
  const own = obj(config[CHANNEL_MESSAGE[channel] ?? '']) ?? {};
  const substitutions: Record<string, unknown> = {
    ...(obj(defaultMessage.Substitutions) ?? {}),
    ...(obj(own.Substitutions) ?? {}),
    ...(obj(address.Substitutions) ?? {}),
  };
  const fill = (text: string | undefined) => (text === undefined ? undefined : substitute(text, substitutions));

  if (isPushChannel(channel)) {
    const merged = { ...defaultMessage, ...defaultPush, ...own };
    const raw = str(address.RawContent) ?? str(own.RawContent);
    const title = fill(str(address.TitleOverride) ?? str(merged.Title));
    const body = fill(str(address.BodyOverride) ?? str(merged.Body));
    if (raw === undefined && title === undefined && body === undefined && merged.Data === undefined && merged.SilentPush !== true) {
      return { ok: false, reason: `No message for channel ${channel}: set ${CHANNEL_MESSAGE[channel]}, DefaultPushNotificationMessage or DefaultMessage` };
    }
    const details: Record<string, unknown> = { channelType: channel };
    for (const [key, name] of [
      ['action', 'Action'],
      ['data', 'Data'],
      ['url', 'Url'],
      ['sound', 'Sound'],
      ['badge', 'Badge'],
      ['silentPush', 'SilentPush'],
      ['priority', 'Priority'],
      ['timeToLive', 'TimeToLive'],
      ['imageUrl', 'ImageUrl'],
      ['category', 'Category'],
      ['threadId', 'ThreadId'],
      ['collapseKey', 'CollapseKey'],
    ] as const) {
      if (merged[name] !== undefined) details[key] = merged[name];
    }
    if (raw !== undefined) details.rawContent = raw;
    if (address.Context) details.context = address.Context;
    return { ok: true, message: { channel: 'push', title, body: body ?? '', details } };
  }

  if (channel === 'SMS') {
    const body = fill(str(address.BodyOverride) ?? str(own.Body) ?? str(defaultMessage.Body));
    if (body === undefined) return { ok: false, reason: 'No message for channel SMS: set SMSMessage.Body or DefaultMessage.Body' };
    const details: Record<string, unknown> = { channelType: channel };
    for (const [key, name] of [
      ['messageType', 'MessageType'],
      ['originationNumber', 'OriginationNumber'],
      ['senderId', 'SenderId'],
      ['keyword', 'Keyword'],
    ] as const) {
      if (own[name] !== undefined) details[key] = own[name];
    }
    return { ok: true, message: { channel: 'sms', body, details } };
  }

  if (channel === 'EMAIL') {
    const simple = obj(own.SimpleEmail);
    const subject = fill(str(address.TitleOverride) ?? str(obj(simple?.Subject)?.Data) ?? str(own.Title));
    const text = str(obj(simple?.TextPart)?.Data);
    const html = str(obj(simple?.HtmlPart)?.Data);
    const body = fill(str(address.BodyOverride) ?? text ?? html ?? str(own.Body) ?? str(defaultMessage.Body));
    if (body === undefined) return { ok: false, reason: 'No message for channel EMAIL: set EmailMessage.SimpleEmail or DefaultMessage.Body' };
    const details: Record<string, unknown> = { channelType: channel };
    if (own.FromAddress !== undefined) details.fromAddress = own.FromAddress;
    if (html !== undefined) details.html = fill(html);
    return { ok: true, message: { channel: 'email', title: subject, body, details } };
  }

  return { ok: false, reason: `Channel ${channel} is not emulated by the local cloud ((local: only push, SMS and email messages are recorded))` };
}
