/** Pinpoint apps and Kinesis streams. */

export interface PinpointAppModel {
  logicalId: string;
  /** Local application id (32 hex). */
  id: string;
  name: string;
  /** Channel types enabled by the template: `APNS`, `APNS_SANDBOX`, `GCM`, ... */
  channels: string[];
  arn?: string;
}

export interface KinesisStreamModel {
  logicalId: string;
  name: string;
  arn: string;
}

export interface MessagingModel {
  pinpointApps: PinpointAppModel[];
  kinesisStreams: KinesisStreamModel[];
}
