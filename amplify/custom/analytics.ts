import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';

export interface AnalyticsStreamProps {
  /** Roles allowed to put records: the identity pool's signed-in and guest roles. */
  readonly writers: iam.IRole[];
  /** RETAIN on branches (the stream outlives a deleted stack), DESTROY in sandboxes. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * App analytics events go to a Kinesis data stream (`aws-amplify/analytics/kinesis`),
 * the replacement for Pinpoint analytics. Encrypted at rest with the AWS managed key.
 */
export class AnalyticsStream extends Construct {
  readonly stream: kinesis.Stream;

  constructor(scope: Construct, id: string, props: AnalyticsStreamProps) {
    super(scope, id);
    this.stream = new kinesis.Stream(this, 'Events', {
      streamMode: kinesis.StreamMode.ON_DEMAND,
      encryption: kinesis.StreamEncryption.MANAGED,
      retentionPeriod: Duration.hours(24),
      removalPolicy: props.removalPolicy,
    });
    const policy = new iam.Policy(this, 'PutRecords', {
      statements: [
        new iam.PolicyStatement({
          actions: ['kinesis:PutRecord', 'kinesis:PutRecords'],
          resources: [this.stream.streamArn],
        }),
      ],
    });
    for (const role of props.writers) policy.attachToRole(role);
  }
}
