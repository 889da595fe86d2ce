import { describe, expect, it } from 'vitest';
import { asArray, iamStatements, logicalIdOf, renderJoin, resourcesOfType, traceValue, type Json, type SynthesizedBackend } from '../synth.js';

export function describePostProcessor(get: () => SynthesizedBackend): void {
  describe('post-processor (defineFunction)', () => {
    const data = () => get().stackNamed('data');
    const fn = () => get().backend.postProcessor.resources.cfnResources.cfnFunction;
    const fnId = () => logicalIdOf(fn());
    const fnProps = () => data().json.Resources[fnId()].Properties;
    const roleStatements = () => {
      const roleId = fnProps().Role['Fn::GetAtt'][0];
      const policyIds = resourcesOfType(data().json, 'AWS::IAM::Policy')
        .filter(([, p]) => (p.Properties.Roles as Json[]).some((r) => r.Ref === roleId))
        .map(([id]) => id);
      return iamStatements(data().json).filter((s) => policyIds.includes(s.logicalId) || s.logicalId === roleId);
    };

    it('runs on new Post and Comment items only (INSERT events of both table streams)', () => {
      const mappings = resourcesOfType(data().json, 'AWS::Lambda::EventSourceMapping').map(([, m]) => m.Properties);
      expect(mappings).toHaveLength(2);
      const models = mappings.map((m) => {
        expect(m.FunctionName).toEqual({ Ref: fnId() });
        expect(m.FilterCriteria).toEqual({ Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] });
        expect(m.StartingPosition).toBe('LATEST');
        const source = traceValue(get().stacks, data(), m.EventSourceArn);
        expect(source.value).toEqual({ 'Fn::GetAtt': [`${source.stack.id}Table`, 'TableStreamArn'] });
        expect(source.stack.json.Resources[`${source.stack.id}Table`].Properties.streamSpecification).toEqual({
          streamViewType: 'NEW_AND_OLD_IMAGES',
        });
        return source.stack.id;
      });
      expect(models.sort()).toEqual(['Comment', 'Post']);
    });

    it('a failing stream batch is retried, split, and finally parked in an encrypted, TLS-only queue', () => {
      for (const [, m] of resourcesOfType(data().json, 'AWS::Lambda::EventSourceMapping')) {
        expect(m.Properties).toMatchObject({
          MaximumRetryAttempts: 3,
          BisectBatchOnFunctionError: true,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^PostProcessorFailedBatches/), 'Arn'] } } },
        });
      }
      get().templateOf(data()).hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    });

    it('blocked terms come from BLOCKED_TERMS, whose default list includes "forbidden"', () => {
      expect(fnProps().Environment.Variables.BLOCKED_TERMS.split(',')).toContain('forbidden');
    });

    it('knows the push app and its APNs channel type from its environment', () => {
      const env = fnProps().Environment.Variables;
      const app = traceValue(get().stacks, data(), env.PINPOINT_APP_ID);
      expect(app.stack.id).toBe('push');
      expect(app.stack.json.Resources[app.value.Ref].Type).toBe('AWS::Pinpoint::App');
      expect(env.APNS_CHANNEL_TYPE).toBe('APNS');
    });

    it('may send messages through that push app only (apps/<id>/messages, never apps/*)', () => {
      const send = roleStatements().filter((s) => asArray(s.statement.Action).some((a: string) => a.startsWith('mobiletargeting:')));
      expect(send).toHaveLength(1);
      expect(send[0].statement.Action).toBe('mobiletargeting:SendMessages');
      const arn = renderJoin(send[0].statement.Resource);
      const appRef = /:apps\/\{Ref:([A-Za-z0-9]+)\}\/messages$/.exec(arn);
      expect(arn).toMatch(/^arn:\{Ref:AWS::Partition\}:mobiletargeting:\{Ref:AWS::Region\}:\{Ref:AWS::AccountId\}:apps\//);
      const app = traceValue(get().stacks, data(), { Ref: appRef![1] });
      expect(app.stack.json.Resources[app.value.Ref].Type).toBe('AWS::Pinpoint::App');
      for (const stack of get().stacks) {
        for (const { statement } of iamStatements(stack.json)) {
          if (!asArray(statement.Action).some((a: string) => a.startsWith('mobiletargeting:'))) continue;
          expect(renderJoin(statement.Resource)).not.toMatch(/apps\/\*|^\*$/);
        }
      }
    });

    it('writes moderation through the GraphQL API: it may only read the table streams, never write a table', () => {
      const dynamo = roleStatements().flatMap((s) => asArray<string>(s.statement.Action)).filter((a) => a.startsWith('dynamodb:'));
      expect(new Set(dynamo)).toEqual(
        new Set(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams']),
      );
      const graphql = resourcesOfType(data().json, 'AWS::IAM::Policy').filter(([, p]) =>
        (p.Properties.Roles as Json[]).some((r) => r.Ref === fnProps().Role['Fn::GetAtt'][0]) &&
        (p.Properties.PolicyDocument.Statement as Json[]).some((st) => st.Action === 'appsync:GraphQL'),
      );
      expect(graphql).toHaveLength(1);
    });

    it('its only permission without a resource scope is dynamodb:ListStreams (which has none)', () => {
      const unscoped = roleStatements().filter((s) => asArray(s.statement.Resource).includes('*'));
      expect(unscoped.map((s) => s.statement.Action)).toEqual(['dynamodb:ListStreams']);
    });
  });
}
