import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface MonitoringProps {
  readonly dashboardName: string;
  readonly graphqlApiId: string;
  readonly functionName: string;
  readonly tableNames: Record<string, string>;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
}

const PERIOD = Duration.minutes(5);
const TABLE_OPERATIONS = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchWriteItem'];

/** One dashboard for the whole backend, plus the alarms that page someone. */
export class Monitoring extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarmTopic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);

    const appsync = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/AppSync',
        metricName,
        dimensionsMap: { GraphQLAPIId: props.graphqlApiId },
        statistic,
        period: PERIOD,
      });
    const lambda = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName,
        dimensionsMap: { FunctionName: props.functionName },
        statistic,
        period: PERIOD,
      });
    const cognito = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Cognito',
        metricName,
        dimensionsMap: { UserPool: props.userPoolId, UserPoolClient: props.userPoolClientId },
        statistic: 'Sum',
        period: PERIOD,
      });
    const throttled = Object.entries(props.tableNames).map(([model, tableName]) => {
      const usingMetrics = Object.fromEntries(
        TABLE_OPERATIONS.map((op, i) => [
          `${model.replace(/[^A-Za-z0-9]/g, '').toLowerCase()}${i}`,
          new cloudwatch.Metric({
            namespace: 'AWS/DynamoDB',
            metricName: 'ThrottledRequests',
            dimensionsMap: { TableName: tableName, Operation: op },
            statistic: 'Sum',
            period: PERIOD,
          }),
        ]),
      );
      return new cloudwatch.MathExpression({
        expression: `SUM([${Object.keys(usingMetrics).join(',')}])`,
        usingMetrics,
        label: `${model} throttled requests`,
        period: PERIOD,
      });
    });

    const appsync5xx = appsync('5XXError', 'Sum');
    const functionErrors = lambda('Errors', 'Sum');

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'GraphQL API requests and errors',
        left: [appsync('RequestCount', 'Sum'), appsync('4XXError', 'Sum'), appsync5xx],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'GraphQL API latency',
        left: [appsync('Latency', 'Average'), appsync('Latency', 'p99')],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Post-processor invocations, errors and throttles',
        left: [lambda('Invocations', 'Sum'), functionErrors, lambda('Throttles', 'Sum')],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Post-processor duration',
        left: [lambda('Duration', 'Average'), lambda('Duration', 'p99')],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'DynamoDB throttled requests', left: throttled, width: 12 }),
      new cloudwatch.GraphWidget({
        title: 'Cognito sign-ins',
        left: [cognito('SignInSuccesses'), cognito('SignInThrottles'), cognito('TokenRefreshSuccesses')],
        width: 12,
      }),
    );

    // SSE with a customer managed key: the AWS managed SNS key cannot be used by CloudWatch alarms.
    // The key only protects alarm notifications in flight, so it goes with the stack (after KMS's waiting period).
    const key = new kms.Key(this, 'AlarmTopicKey', {
      enableKeyRotation: true,
      description: 'Alarm topic encryption',
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        resources: ['*'],
      }),
    );
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { masterKey: key, enforceSSL: true });

    const alarm = (id: string, metric: cloudwatch.IMetric, description: string) => {
      const a = new cloudwatch.Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(new actions.SnsAction(this.alarmTopic));
      this.alarms.push(a);
      return a;
    };
    alarm('Api5xxAlarm', appsync5xx, 'The GraphQL API returned server errors (5XX).');
    alarm('FunctionErrorsAlarm', functionErrors, 'The post-processor function failed.');
  }
}
