import { Aws, SecretValue, Annotations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as pinpoint from 'aws-cdk-lib/aws-pinpoint';
import { Construct } from 'constructs';

export type PushChannel = 'APNS' | 'FCM';

/** Pinpoint's channel type for APNs addresses: a sandbox channel only takes `APNS_SANDBOX` addresses. */
export type ApnsChannelType = 'APNS' | 'APNS_SANDBOX';

export interface PushNotificationsProps {
  /** Name of the project, used for the Pinpoint app name. */
  readonly appName: string;
  /**
   * Secrets Manager secret holding the APNs token key as JSON:
   * `{ "teamId", "keyId", "bundleId", "privateKey" }` (the .p8 key's PEM text).
   * The APNs channel is created only when this is set.
   */
  readonly apnsSecretName?: string;
  /** Use the APNs sandbox (development builds) instead of production. */
  readonly apnsSandbox?: boolean;
  /**
   * Secrets Manager secret holding the Firebase service-account JSON (FCM HTTP v1).
   * The FCM channel is created only when this is set.
   */
  readonly fcmSecretName?: string;
}

/**
 * The push project: a Pinpoint application used only to send through `SendMessages`
 * (AWS End User Messaging), with its APNs and FCM channels. Credentials never enter the template:
 * the channels read them with CloudFormation dynamic references to Secrets Manager.
 */
export class PushNotifications extends Construct {
  readonly app: pinpoint.CfnApp;
  readonly applicationId: string;
  readonly channels: PushChannel[] = [];
  /** The channel type the sender must put on APNs addresses for this app. */
  readonly apnsChannelType: ApnsChannelType;
  /** Human-readable notes about skipped channels, also attached as synth-time warnings. */
  readonly notes: string[] = [];

  constructor(scope: Construct, id: string, props: PushNotificationsProps) {
    super(scope, id);
    this.app = new pinpoint.CfnApp(this, 'App', { name: `${props.appName}-push` });
    this.applicationId = this.app.ref;
    this.apnsChannelType = props.apnsSandbox ? 'APNS_SANDBOX' : 'APNS';

    if (props.apnsSecretName) {
      const field = (name: string) =>
        SecretValue.secretsManager(props.apnsSecretName!, { jsonField: name }).unsafeUnwrap();
      const channelProps = {
        applicationId: this.applicationId,
        enabled: true,
        defaultAuthenticationMethod: 'TOKEN',
        teamId: field('teamId'),
        tokenKeyId: field('keyId'),
        bundleId: field('bundleId'),
        tokenKey: field('privateKey'),
      };
      if (props.apnsSandbox) new pinpoint.CfnAPNSSandboxChannel(this, 'ApnsSandboxChannel', channelProps);
      else new pinpoint.CfnAPNSChannel(this, 'ApnsChannel', channelProps);
      this.channels.push('APNS');
    } else {
      this.skip('APNs channel not created: set PUSH_APNS_SECRET to the name of a Secrets Manager secret ' +
        '{ teamId, keyId, bundleId, privateKey } and deploy again.');
    }

    if (props.fcmSecretName) {
      new pinpoint.CfnGCMChannel(this, 'FcmChannel', {
        applicationId: this.applicationId,
        enabled: true,
        defaultAuthenticationMethod: 'TOKEN',
        serviceJson: SecretValue.secretsManager(props.fcmSecretName).unsafeUnwrap(),
      });
      this.channels.push('FCM');
    } else {
      this.skip('FCM channel not created: set PUSH_FCM_SECRET to the name of a Secrets Manager secret ' +
        'holding the Firebase service-account JSON and deploy again.');
    }
  }

  private skip(note: string): void {
    this.notes.push(note);
    Annotations.of(this).addWarningV2('push:channel-skipped', note);
  }

  /** ARN of this app's messages resource: the only thing `SendMessages` needs. */
  get messagesArn(): string {
    return `arn:${Aws.PARTITION}:mobiletargeting:${Aws.REGION}:${Aws.ACCOUNT_ID}:apps/${this.applicationId}/messages`;
  }

  /** Allows `SendMessages` on this app only. */
  grantSendMessages(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['mobiletargeting:SendMessages'],
      resourceArns: [this.messagesArn],
    });
  }
}
