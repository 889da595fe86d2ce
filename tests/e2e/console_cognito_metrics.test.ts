import { fetchAuthSession, signIn, signOut } from 'aws-amplify/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureTestClient } from '../helpers/amplify_client.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';

/** The dashboard's Cognito widget: sign-ins and token refreshes of the real client, per pool and client. */

let cloud: TestLocalCloud;
beforeAll(async () => {
  cloud = await startLocalCloud({ services: ['auth', 'identity'] });
  configureTestClient(cloud.outputs);
});
afterAll(() => cloud?.stop());

const cognito = async (operation: string, input: Record<string, unknown>) => {
  const res = await cloud.cloud.fetch(
    new Request(`${cloud.endpoint}/_local/aws/cognito-idp/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
      body: JSON.stringify(input),
    }),
  );
  expect(res.status).toBe(200);
};

async function cognitoWidget(): Promise<Record<string, number>> {
  const res = await cloud.cloud.fetch(new Request(`${cloud.endpoint}/_local/dashboard?points=6`));
  const body = (await res.json()) as { dashboards: { widgets: { title: string; series: { metric: { metricName: string; dimensions: Record<string, string> }; points: { value: number }[] }[] }[] }[] };
  const widget = body.dashboards[0].widgets.find((w) => w.title === 'Cognito sign-ins')!;
  const auth = cloud.cloud.model.auth!;
  for (const s of widget.series) expect(s.metric.dimensions).toEqual({ UserPool: auth.userPool.id, UserPoolClient: auth.defaultClientId });
  return Object.fromEntries(widget.series.map((s) => [s.metric.metricName, s.points.reduce((a, p) => a + p.value, 0)]));
}

describe('Cognito metrics', () => {
  it('counts an SRP sign-in as SignInSuccesses and a refresh as TokenRefreshSuccesses', async () => {
    const email = `metrics-${Date.now()}@example.com`;
    const password = 'Correct-Horse-9-battery!';
    const pool = cloud.cloud.model.auth!.userPool.id;
    await cognito('AdminCreateUser', { UserPoolId: pool, Username: email, UserAttributes: [{ Name: 'email', Value: email }, { Name: 'phone_number', Value: '+15555550111' }], MessageAction: 'SUPPRESS' });
    await cognito('AdminSetUserPassword', { UserPoolId: pool, Username: email, Password: password, Permanent: true });
    const before = await cognitoWidget();
    expect(before).toMatchObject({ SignInSuccesses: 0, TokenRefreshSuccesses: 0 });

    expect((await signIn({ username: email, password })).isSignedIn).toBe(true);
    expect(await cognitoWidget()).toMatchObject({ SignInSuccesses: 1, TokenRefreshSuccesses: 0 });
    await fetchAuthSession({ forceRefresh: true });
    expect(await cognitoWidget()).toMatchObject({ SignInSuccesses: 1, TokenRefreshSuccesses: 1 });
    await signOut();
  });
});
