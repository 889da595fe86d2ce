import type { UserPoolModel } from '../assembly/model.js';
import type { Logger } from '../core/logger.js';
import type { Outbox } from '../core/outbox.js';
import type { Peers } from '../core/registry.js';
import { encryptCode, requestType, senderTrigger } from './custom_sender.js';
import { errors } from './errors.js';
import type { TriggerRunner } from './triggers.js';
import type { UserRecord } from './user_store.js';

/** Why a message is sent; selects the template and the CustomMessage trigger source. */
export type MessageKind = 'SignUp' | 'ResendCode' | 'ForgotPassword' | 'UpdateUserAttribute' | 'VerifyUserAttribute' | 'AdminCreateUser' | 'Authentication';

/** Cognito's defaults when the pool sets no template. */
const DEFAULTS = {
  verificationEmailSubject: 'Your verification code',
  verificationEmail: 'Your verification code is {####}. ',
  verificationSms: 'Your verification code is {####}. ',
  mfaSms: 'Your authentication code is {####}. ',
  inviteSubject: 'Your temporary password',
  invite: 'Your username is {username} and temporary password is {####}. ',
};

export interface Delivery {
  channel: 'email' | 'sms';
  to: string;
  code: string;
  kind: MessageKind;
  user: UserRecord;
  clientId?: string;
  clientMetadata?: Record<string, string>;
}

/**
 * "Sends" verification, reset, invitation and MFA messages: renders the pool's templates (or the
 * CustomMessage trigger's), records them in the outbox and prints them, so a developer reads codes
 * from the console or `GET /_local/outbox`. A channel with a custom sender trigger is handed to
 * that function instead, with the code encrypted under the pool's KMS key.
 */
export class MessageSender {
  constructor(
    private readonly pool: UserPoolModel,
    private readonly outbox: Outbox,
    private readonly log: Logger,
    private readonly triggers: TriggerRunner,
    private readonly registry?: Peers,
  ) {}

  private templates(kind: MessageKind): { subject: string; email: string; sms: string } {
    const v = this.pool.verificationMessage;
    if (kind === 'AdminCreateUser') {
      const invite = this.pool.inviteMessage ?? {};
      return {
        subject: invite.emailSubject ?? DEFAULTS.inviteSubject,
        email: invite.emailMessage ?? DEFAULTS.invite,
        sms: invite.smsMessage ?? DEFAULTS.invite,
      };
    }
    if (kind === 'Authentication') {
      return { subject: DEFAULTS.verificationEmailSubject, email: this.pool.mfaMessage ?? DEFAULTS.mfaSms, sms: this.pool.mfaMessage ?? DEFAULTS.mfaSms };
    }
    return {
      subject: v.emailSubject ?? DEFAULTS.verificationEmailSubject,
      email: v.emailMessage ?? DEFAULTS.verificationEmail,
      sms: v.smsMessage ?? DEFAULTS.verificationSms,
    };
  }

  async send(d: Delivery): Promise<void> {
    if (this.triggers.declared(senderTrigger(d.channel)) && (await this.sendThroughCustomSender(d))) return;
    let { subject, email, sms } = this.templates(d.kind);
    const custom = await this.triggers.run({
      trigger: 'CustomMessage',
      triggerSource: `CustomMessage_${d.kind}`,
      userName: d.user.username,
      clientId: d.clientId,
      request: {
        userAttributes: { ...d.user.attributes, 'cognito:user_status': d.user.status },
        codeParameter: '{####}',
        linkParameter: '{##Click Here##}',
        usernameParameter: d.kind === 'AdminCreateUser' ? '{username}' : null,
        clientMetadata: d.clientMetadata ?? {},
      },
    });
    if (custom) {
      if (typeof custom.emailSubject === 'string') subject = custom.emailSubject;
      if (typeof custom.emailMessage === 'string') email = custom.emailMessage;
      if (typeof custom.smsMessage === 'string') sms = custom.smsMessage;
    }
    const render = (t: string) => t.split('{####}').join(d.code).split('{username}').join(d.user.username);
    const body = render(d.channel === 'email' ? email : sms);
    this.outbox.add({
      channel: d.channel,
      to: d.to,
      subject: d.channel === 'email' ? subject : undefined,
      body,
      code: d.code,
      data: { source: 'cognito', kind: d.kind, userPoolId: this.pool.id, username: d.user.username },
    });
    this.log.info(`${d.channel === 'email' ? 'email' : 'SMS'} to ${d.to} (${d.kind}): ${body.trim()}`);
  }

  /**
   * Encrypts the code under the pool's key and invokes the custom sender with Cognito's event;
   * Cognito itself sends nothing. False (and a warning) when the local cloud cannot run it, so the
   * message lands in the outbox as usual.
   */
  private async sendThroughCustomSender(d: Delivery): Promise<boolean> {
    const trigger = senderTrigger(d.channel);
    const fn = this.triggers.runnable(trigger);
    const kms = this.registry?.tryGet('keys.kms');
    if (!fn || !kms) {
      this.log.warn(`${trigger}_${d.kind}: the custom sender is not run ((local: ${fn ? 'no keys service for its KMS key' : 'no local runtime for it'})); the message goes to the outbox`);
      return false;
    }
    let code: string;
    try {
      code = await encryptCode(kms, this.pool, d.code);
    } catch (err) {
      const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      throw errors.codeDeliveryFailure(`Unable to encrypt the code for ${trigger} ((local: KMS refused: ${detail}))`);
    }
    await this.triggers.run({
      trigger,
      triggerSource: `${trigger}_${d.kind}`,
      userName: d.user.username,
      clientId: d.clientId,
      noResponse: true,
      request: {
        type: requestType(trigger),
        code,
        clientMetadata: d.clientMetadata ?? {},
        userAttributes: { ...d.user.attributes, 'cognito:user_status': d.user.status },
      },
    });
    // For the console: what the function was given (the code in clear is a local convenience).
    this.outbox.add({
      channel: d.channel,
      to: d.to,
      body: `((local: handed to the ${trigger} trigger ${fn} as ${trigger}_${d.kind}; Cognito sends nothing itself))`,
      code: d.code,
      data: { source: 'cognito', kind: d.kind, userPoolId: this.pool.id, username: d.user.username, customSender: fn, triggerSource: `${trigger}_${d.kind}` },
    });
    this.log.info(`${trigger}_${d.kind} → ${fn} for ${d.to} (code ${d.code})`);
    return true;
  }
}
