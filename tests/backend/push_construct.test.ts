import { describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PushNotifications, type PushNotificationsProps } from '../../amplify/custom/push.js';

// These tests read single templates; CDK's CloudFormation validation pass (seconds per synth) adds nothing here.
process.env.CDK_VALIDATION = 'false';

function build(props: Partial<PushNotificationsProps>) {
  const stack = new Stack(new App(), 'Push');
  const push = new PushNotifications(stack, 'Push', { appName: 'shop', ...props });
  const role = new iam.Role(stack, 'Sender', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  push.grantSendMessages(role);
  return { push, template: Template.fromStack(stack) };
}

describe('PushNotifications construct (amplify/custom/push.ts)', () => {
  it('names the Pinpoint app after the project', () => {
    build({}).template.hasResourceProperties('AWS::Pinpoint::App', { Name: 'shop-push' });
  });

  it('uses the APNs sandbox channel, and tells the sender to address APNS_SANDBOX, when asked for development builds', () => {
    const { push, template } = build({ apnsSecretName: 'apns', apnsSandbox: true });
    template.resourceCountIs('AWS::Pinpoint::APNSChannel', 0);
    template.hasResourceProperties('AWS::Pinpoint::APNSSandboxChannel', {
      DefaultAuthenticationMethod: 'TOKEN',
      TokenKey: '{{resolve:secretsmanager:apns:SecretString:privateKey::}}',
    });
    expect(push.apnsChannelType).toBe('APNS_SANDBOX');
    expect(push.channels).toEqual(['APNS']);
  });

  it('addresses production APNs by default', () => {
    const { push, template } = build({ apnsSecretName: 'apns' });
    template.resourceCountIs('AWS::Pinpoint::APNSSandboxChannel', 0);
    template.resourceCountIs('AWS::Pinpoint::APNSChannel', 1);
    expect(push.apnsChannelType).toBe('APNS');
  });

  it('keeps credentials out of the template: only dynamic references to Secrets Manager', () => {
    const { template } = build({ apnsSecretName: 'apns', fcmSecretName: 'fcm' });
    const text = JSON.stringify(template.toJSON());
    const secrets = [...text.matchAll(/\{\{resolve:([a-z-]+):/g)].map((m) => m[1]);
    expect(new Set(secrets)).toEqual(new Set(['secretsmanager']));
    expect(secrets).toHaveLength(5);
  });

  it('lists only the channels it created, and notes each skipped one', () => {
    const { push } = build({ fcmSecretName: 'fcm' });
    expect(push.channels).toEqual(['FCM']);
    expect(push.notes).toEqual([expect.stringMatching(/^APNs channel not created: set PUSH_APNS_SECRET/)]);
  });

  it('grants SendMessages on this app\'s messages resource and nothing else', () => {
    const { template } = build({});
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Action: 'mobiletargeting:SendMessages',
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':mobiletargeting:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':apps/',
              { Ref: expect.stringMatching(/^PushApp/) },
              '/messages',
            ],
          ],
        },
      },
    ]);
  });
});
