import type { BackendModel, PinpointAppModel } from '../assembly/model.js';
import { newRequestId, restJsonError, type CommonErrorName } from '../core/aws_errors.js';
import { verifyCaller } from '../core/caller.js';
import type { Clock, IdSource } from '../core/clock.js';
import type { Outbox } from '../core/outbox.js';
import type { CredentialStore } from '../core/registry.js';
import { decodeUriComponentSafe } from '../core/uri.js';
import { composeMessage, isChannelType, type AddressConfiguration } from './pinpoint_message.js';

/** `POST /v1/apps/{ApplicationId}/messages`. */
const SEND_MESSAGES_PATH = /^\/v1\/apps\/([^/]+)\/messages\/?$/;
export const PINPOINT_PATH_PREFIX = '/v1/apps/';
/** Pinpoint refuses request bodies over 7 MB. */
const MAX_BODY_BYTES = 7 * 1024 * 1024;
/** Pinpoint accepts at most 100 addresses per SendMessages call. */
const MAX_ADDRESSES = 100;

/** Channels the local cloud emulates for an app whose template enables none. */
const EMULATED_CHANNELS = ['APNS', 'GCM'];

export interface PinpointDeps {
  model: BackendModel;
  clock: Clock;
  ids: IdSource;
  outbox: Outbox;
  credentials(): CredentialStore | undefined;
}

/** The channels SendMessages may use for an app: the template's, else the emulated push pair. */
export function effectiveChannels(app: PinpointAppModel): { channels: string[]; emulated: boolean } {
  return app.channels.length > 0 ? { channels: app.channels, emulated: false } : { channels: EMULATED_CHANNELS, emulated: true };
}

/** Pinpoint message ids are 40 lowercase letters and digits. */
function messageId(ids: IdSource): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...ids.bytes(40)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** The error types Pinpoint's REST API answers with (the ones SendMessages can produce). */
type PinpointErrorName = CommonErrorName | 'BadRequestException' | 'NotFoundException' | 'MethodNotAllowedException' | 'PayloadTooLargeException';

function pinpointError(status: number, type: PinpointErrorName, message: string, requestId: string): Response {
  return restJsonError<PinpointErrorName>(status, type, message, {}, { requestId });
}

function badRequest(message: string, requestId: string): Response {
  return pinpointError(400, 'BadRequestException', message, requestId);
}

/** Pinpoint's `SendMessages` to direct addresses, recorded in the outbox instead of delivered. */
export async function handleSendMessages(req: Request, url: URL, deps: PinpointDeps): Promise<Response> {
  const { model } = deps;
  const requestId = newRequestId();
  const match = SEND_MESSAGES_PATH.exec(url.pathname);
  if (!match) {
    return pinpointError(404, 'NotFoundException', `Resource not found ((local: only SendMessages is emulated for Pinpoint))`, requestId);
  }
  if (req.method !== 'POST') {
    return pinpointError(405, 'MethodNotAllowedException', `Method ${req.method} is not allowed on this resource`, requestId);
  }

  const verified = await verifyCaller(req, {
    service: 'mobiletargeting',
    model,
    clock: deps.clock,
    credentials: deps.credentials(),
    body: { maxBytes: MAX_BODY_BYTES },
  });
  if (!verified.ok) {
    const rejection = verified.rejection;
    switch (rejection.reason) {
      case 'body-too-large':
        return pinpointError(413, 'PayloadTooLargeException', 'Request payload is too large', requestId);
      case 'body-unreadable':
        throw rejection.error;
      case 'no-credential-store':
        return pinpointError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid. ((local: the identity service is not running))', requestId);
      case 'signature':
        return pinpointError(403, rejection.error.json.type, rejection.error.message, requestId);
    }
  }
  const { caller } = verified;
  const body = caller.body;

  // An undecodable id names no app: it falls through to NotFoundException below.
  const appId = decodeUriComponentSafe(match[1]) ?? match[1];
  const resource = `arn:aws:mobiletargeting:${model.region}:${model.accountId}:apps/${appId}/messages`;
  const authz = caller.authorize('mobiletargeting:SendMessages', resource);
  if (!authz.allowed) return pinpointError(403, 'AccessDeniedException', authz.message, requestId);

  const app = model.messaging.pinpointApps.find((a) => a.id === appId);
  if (!app) return pinpointError(404, 'NotFoundException', 'Resource not found', requestId);

  let request: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    request = parsed as Record<string, unknown>;
  } catch {
    return badRequest('Unable to parse the request body: it must be a MessageRequest JSON object', requestId);
  }

  const addresses = request.Addresses;
  if (request.Endpoints !== undefined) {
    return badRequest('Endpoints are not supported ((local: Pinpoint endpoints are not emulated; address devices directly with Addresses))', requestId);
  }
  if (!addresses || typeof addresses !== 'object' || Array.isArray(addresses) || Object.keys(addresses).length === 0) {
    return badRequest('MessageRequest must contain Addresses', requestId);
  }
  const entries = Object.entries(addresses as Record<string, unknown>);
  if (entries.length > MAX_ADDRESSES) {
    return badRequest(`A request may contain at most ${MAX_ADDRESSES} addresses`, requestId);
  }
  const config = request.MessageConfiguration;
  // MessageConfiguration is a required member of MessageRequest.
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    return badRequest('MessageRequest must contain a MessageConfiguration object', requestId);
  }
  for (const [address, value] of entries) {
    const channel = (value as AddressConfiguration | null)?.ChannelType;
    if (!value || typeof value !== 'object' || !isChannelType(channel)) {
      return badRequest(`Invalid ChannelType ${JSON.stringify(channel ?? null)} for address ${address}`, requestId);
    }
  }

  const { channels, emulated } = effectiveChannels(app);
  const result: Record<string, { DeliveryStatus: string; StatusCode: number; StatusMessage: string; MessageId?: string }> = {};
  for (const [address, value] of entries) {
    const cfg = value as AddressConfiguration;
    const channel = cfg.ChannelType as Parameters<typeof composeMessage>[0];
    if (!channels.includes(channel)) {
      result[address] = {
        DeliveryStatus: 'PERMANENT_FAILURE',
        StatusCode: 400,
        StatusMessage: `Channel ${channel} is not enabled for application ${app.id} ((local: the template enables ${channels.join(', ')}${emulated ? ', emulated' : ''}))`,
      };
      continue;
    }
    const composed = composeMessage(channel, cfg, config as Record<string, unknown>);
    if (!composed.ok) {
      result[address] = { DeliveryStatus: 'PERMANENT_FAILURE', StatusCode: 400, StatusMessage: composed.reason };
      continue;
    }
    const id = messageId(deps.ids);
    const { message } = composed;
    deps.outbox.add({
      channel: message.channel,
      to: address,
      ...(message.title !== undefined ? { subject: message.title } : {}),
      body: message.body,
      data: { ...message.details, applicationId: app.id, messageId: id, ...(request.TraceId ? { traceId: request.TraceId } : {}) },
    });
    result[address] = {
      DeliveryStatus: 'SUCCESSFUL',
      StatusCode: 200,
      StatusMessage: `Recorded in the local outbox ((local: ${emulated ? 'emulated channel, ' : ''}nothing was sent to ${channel}))`,
      MessageId: id,
    };
  }

  // The SDK's `MessageResponse` is the whole body (an HTTP payload member).
  return new Response(JSON.stringify({ ApplicationId: app.id, RequestId: requestId, Result: result }), {
    status: 200,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId },
  });
}
