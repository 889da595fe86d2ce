/** SQS queues (AWS::SQS::Queue) with the attributes the local queues service honours. */

export interface RedrivePolicyModel {
  /** ARN of the dead-letter queue. */
  deadLetterTargetArn: string;
  /** Receives after which a message moves to the dead-letter queue. */
  maxReceiveCount: number;
}

export interface QueueModel {
  logicalId: string;
  /** QueueName from the template, or the CloudFormation-style generated one (`.fifo` kept for FIFO queues). */
  name: string;
  arn: string;
  /** `${LOCAL_ENDPOINT}/<account>/<name>` (see local_endpoint.ts). */
  url: string;
  fifo: boolean;
  contentBasedDeduplication: boolean;
  /** Seconds; SQS's defaults when the template says nothing. */
  visibilityTimeoutSeconds: number;
  messageRetentionSeconds: number;
  delaySeconds: number;
  receiveMessageWaitTimeSeconds: number;
  maximumMessageSize: number;
  redrivePolicy?: RedrivePolicyModel;
}
