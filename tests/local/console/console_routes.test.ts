import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setRequestInfo } from '../../../src/local/core/request_info.js';
import { startLocalCloud, type TestLocalCloud } from '../../helpers/local_cloud.js';
import { until } from '../../helpers/until.js';

/**
 * The console's page and the admin routes behind it, on the whole local cloud (this repository's
 * backend): what `/` answers to whom, loopback only, the journal, the dashboard's datapoints, the
 * signing proxy and the item history.
 */

let cloud: TestLocalCloud;
beforeAll(async () => {
  cloud = await startLocalCloud();
});
afterAll(() => cloud?.stop());

const call = (path: string, init: RequestInit = {}, remoteAddress?: string) => {
  const req = new Request(`${cloud.endpoint}${path}`, init);
  if (remoteAddress) setRequestInfo(req, { remoteAddress });
  return cloud.cloud.fetch(req);
};
const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> });
const cognito = (operation: string, input: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call('/_local/aws/cognito-idp/', {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}`, ...headers },
    body: JSON.stringify(input),
  });
const graphql = (query: string, variables: Record<string, unknown> = {}) =>
  call('/_local/aws/appsync/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });

describe('the console page', () => {
  it('is served at / to a browser, with a policy that allows nothing but this origin', async () => {
    const res = await call('/', { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/_console/app.js"></script>');
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
  });

  it('leaves a signed GET / (S3 ListBuckets) to the services, even when it accepts HTML', async () => {
    // Signed as the developer by the admin proxy: whatever the services answer, it is not the page.
    const res = await call('/_local/aws/s3/', { headers: { accept: 'text/html' } });
    expect(res.headers.get('content-type')).not.toMatch(/text\/html/);
    expect(await res.text()).not.toContain('<!doctype html>');
  });

  it('leaves / to S3 when the client does not ask for HTML, sends SigV4, presigns or writes', async () => {
    const s3Answer = async (init: RequestInit, query = '') => (await call(`/${query}`, init)).headers.get('content-type') ?? '';
    expect(await s3Answer({})).not.toMatch(/text\/html/);
    expect(await s3Answer({ headers: { accept: 'text/html', authorization: 'AWS4-HMAC-SHA256 Credential=x' } })).not.toMatch(/text\/html/);
    expect(await s3Answer({ headers: { accept: 'text/html' } }, '?X-Amz-Algorithm=AWS4-HMAC-SHA256')).not.toMatch(/text\/html/);
    expect(await s3Answer({ method: 'PUT', headers: { accept: 'text/html' } })).not.toMatch(/text\/html/);
  });

  it('serves its bundled script, answers 404 for other assets and 405 for writes', async () => {
    const script = await call('/_console/app.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await script.text()).length).toBeGreaterThan(1000);
    expect((await call('/_console/missing.css')).status).toBe(404);
    expect((await call('/_console/app.js', { method: 'POST', body: 'x' })).status).toBe(405);
  });

  it('refuses clients that are not on this machine, as the admin API does', async () => {
    const page = await call('/', { headers: { accept: 'text/html' } }, '192.168.1.20');
    expect(page.status).toBe(403);
    expect(await page.text()).toContain('loopback clients only');
    expect((await call('/_console/app.js', {}, '10.0.0.7')).status).toBe(403);
    for (const path of ['/_local/overview', '/_local/requests', '/_local/dashboard']) {
      expect((await json(await call(path, {}, '10.0.0.7'))).body.__type).toBe('AccessDeniedException');
    }
    const proxied = await call('/_local/aws/cognito-idp/', { method: 'POST', body: '{}' }, '::ffff:172.16.0.2');
    expect(proxied.status).toBe(403);
    // The loopback address in its IPv4-mapped form is a local client.
    expect((await call('/_local/overview', {}, '::ffff:127.0.0.1')).status).toBe(200);
  });
});

describe('the admin routes behind the console', () => {
  it('overview: the services, user pools, models, buckets, streams and dashboards of the backend', async () => {
    const { status, body } = await json(await call('/_local/overview'));
    expect(status).toBe(200);
    const model = cloud.cloud.model;
    expect((body.services as { name: string }[]).map((s) => s.name)).toEqual(cloud.cloud.services.map((s) => s.name));
    expect(body.userPools).toEqual([expect.objectContaining({ id: model.auth!.userPool.id, requiredAttributes: expect.arrayContaining(['email']) })]);
    expect((body.data as { models: string[] }).models).toEqual(expect.arrayContaining(['Post', 'Comment']));
    expect(body.kinesisStreams).toEqual(model.messaging.kinesisStreams.map((s) => s.name));
    expect(body.dashboards).toEqual(model.dashboards!.map((d) => d.name));
    expect(body.outputsPath).toBe(cloud.outputsPath);
  });

  it('the proxy acts as the developer through the service\'s own API and authorization', async () => {
    const pool = cloud.cloud.model.auth!.userPool.id;
    const list = await json(await cognito('ListUsers', { UserPoolId: pool }));
    expect(list).toMatchObject({ status: 200, body: { Users: expect.any(Array) } });
    // The service's own validation answers, in its own words.
    const bad = await json(await cognito('AdminGetUser', { UserPoolId: pool, Username: 'nobody-here' }));
    expect(bad).toMatchObject({ status: 400, body: { __type: 'UserNotFoundException' } });
  });

  it('auth/claims: the claims the pool would issue to a user, signed nowhere; unknown users are 404', async () => {
    const pool = cloud.cloud.model.auth!.userPool.id;
    const email = `claims-${Date.now()}@example.com`;
    const created = await cognito('AdminCreateUser', {
      UserPoolId: pool,
      Username: email,
      UserAttributes: [{ Name: 'email', Value: email }, { Name: 'phone_number', Value: '+15555550199' }],
      MessageAction: 'SUPPRESS',
    });
    const sub = ((await created.json()) as { User: { Username: string } }).User.Username;
    const { status, body } = await json(await call(`/_local/auth/claims?pool=${pool}&username=${encodeURIComponent(email)}`));
    expect(status).toBe(200);
    const client = cloud.cloud.model.auth!.clients[0].id;
    expect(body).toMatchObject({
      client,
      id: { sub, email, email_verified: false, 'cognito:username': sub, aud: client, token_use: 'id' },
      access: { sub, username: sub, client_id: client, token_use: 'access', scope: 'aws.cognito.signin.user.admin' },
    });
    expect((await call(`/_local/auth/claims?pool=${pool}&username=nobody@example.com`)).status).toBe(404);
    expect((await call(`/_local/auth/claims?pool=us-east-1_nope&username=${encodeURIComponent(email)}`)).status).toBe(404);
  });

  it('the proxy refuses a page of another origin, and signs only for the local services', async () => {
    const pool = cloud.cloud.model.auth!.userPool.id;
    const foreign = await json(await cognito('ListUsers', { UserPoolId: pool }, { origin: 'https://evil.example' }));
    expect(foreign).toMatchObject({ status: 403, body: { __type: 'AccessDeniedException' } });
    const own = await cognito('ListUsers', { UserPoolId: pool }, { origin: new URL(cloud.endpoint).origin });
    expect(own.status).toBe(200);
    const unknown = await json(await call('/_local/aws/ec2/', { method: 'POST', body: '{}' }));
    expect(unknown).toMatchObject({ status: 404, body: { __type: 'UnknownOperationException' } });
  });

  it('the proxy offers S3 objects as downloads without passing its own parameter on', async () => {
    const bucket = cloud.cloud.model.storage!.buckets[0].bucketName;
    expect((await call(`/_local/aws/s3/${bucket}/public/dl.txt`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'content' })).status).toBe(200);
    const res = await call(`/_local/aws/s3/${bucket}/public/dl.txt?x-local-download=dl.txt`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="dl.txt"');
    expect(await res.text()).toBe('content');
  });

  it('requests: the app\'s requests with operation, caller and status; filters; not the console\'s own', async () => {
    const bucket = cloud.cloud.model.storage!.buckets[0].bucketName;
    const anonymous = await fetch(`${cloud.endpoint}/${bucket}/private/x.txt`);
    expect(anonymous.status).toBe(403);
    await cognito('ListUsers', { UserPoolId: cloud.cloud.model.auth!.userPool.id });
    const entries = await until(async () => {
      const { body } = await json(await call('/_local/requests?service=storage&status=4xx'));
      const list = body.requests as { operation: string; status: number; caller?: string; path: string }[];
      return list.some((r) => r.path === `/${bucket}/private/x.txt`) ? list : undefined;
    }, 5000, 'the refused GetObject in the journal');
    expect(entries.every((r) => r.status >= 400 && r.status < 500)).toBe(true);
    expect(entries.find((r) => r.path === `/${bucket}/private/x.txt`)).toMatchObject({ operation: 'GetObject', status: 403 });
    const { body } = await json(await call('/_local/requests?service=auth'));
    expect((body.requests as { operation: string; caller: string }[])[0]).toMatchObject({ operation: 'ListUsers', caller: 'developer keys' });
    const all = (await json(await call('/_local/requests'))).body.requests as { path: string }[];
    expect(all.some((r) => r.path.startsWith('/_local') || r.path.startsWith('/_console'))).toBe(false);
  });

  it('requests: GraphQL requests carry their operation and the caller the data service verified', async () => {
    expect((await graphql('query RecentPosts { listPosts { items { id } } }')).status).toBe(200);
    const { body } = await json(await call('/_local/requests?service=data&limit=1'));
    expect(body.requests).toEqual([expect.objectContaining({ operation: 'RecentPosts', caller: 'user/local-developer', status: 200, path: '/graphql' })]);
  });

  it('requests: refuses a malformed filter with ValidationException', async () => {
    for (const q of ['status=abc', 'limit=0', 'limit=x', 'after=1.5']) {
      expect(await json(await call(`/_local/requests?${q}`))).toMatchObject({ status: 400, body: { __type: 'ValidationException' } });
    }
  });

  it('dashboard: the template\'s AppSync widget counts the GraphQL requests served', async () => {
    const count = async () => {
      const { body } = await json(await call('/_local/dashboard?points=6'));
      const widgets = (body.dashboards as { widgets: { title: string; series: { label: string; points: { value: number }[] }[] }[] }[])[0].widgets;
      const series = widgets.find((w) => w.title === 'GraphQL API requests and errors')!.series.find((s) => s.label === 'RequestCount (Sum)')!;
      expect(series.points).toHaveLength(6);
      return series.points.reduce((a, p) => a + p.value, 0);
    };
    const before = await count();
    for (let i = 0; i < 3; i++) expect((await graphql('{ listPosts { items { id } } }')).status).toBe(200);
    expect(await count()).toBe(before + 3);
    expect(await json(await call('/_local/dashboard?points=0'))).toMatchObject({ status: 400, body: { __type: 'ValidationException' } });
    expect(await json(await call('/_local/dashboard?points=100000'))).toMatchObject({ status: 400 });
  });

  it('dashboard: the template\'s Lambda widget counts a function\'s invocations and errors', async () => {
    const widget = async () => {
      const { body } = await json(await call('/_local/dashboard?points=6'));
      const widgets = (body.dashboards as { widgets: { title: string; series: { label: string; metric: { dimensions: Record<string, string> }; points: { value: number }[] }[] }[] }[])[0].widgets;
      const w = widgets.find((x) => x.title === 'Post-processor invocations, errors and throttles')!;
      const sum = (label: string) => w.series.find((s) => s.label === label)!.points.reduce((a, p) => a + p.value, 0);
      return { fn: w.series[0].metric.dimensions.FunctionName, invocations: sum('Invocations (Sum)'), errors: sum('Errors (Sum)') };
    };
    const before = await widget();
    expect(cloud.cloud.model.functions.map((f) => f.functionName)).toContain(before.fn);
    // An event the handler cannot read: one invocation, one error.
    const res = await call(`/_local/aws/lambda/2015-03-31/functions/${before.fn}/invocations`, { method: 'POST', body: '{"not":"an AppSync event"}' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(await widget()).toMatchObject({ invocations: before.invocations + 1, errors: before.errors + 1 });
  });

  it('data/changes: an item\'s history from the change feed, newest first; unknown tables are 404', async () => {
    const created = (await (await graphql('mutation { createPost(input: {title: "h1", content: "c"}) { id } }')).json()) as { data: { createPost: { id: string } } };
    const id = created.data.createPost.id;
    await graphql('mutation($id: ID!) { updatePost(input: {id: $id, title: "h2"}) { id } }', { id });
    const changes = await until(async () => {
      const { body } = await json(await call(`/_local/data/changes?table=Post&key=${encodeURIComponent(JSON.stringify({ id }))}`));
      const list = body.changes as { eventName: string }[];
      return list.length >= 2 ? list : undefined;
    }, 5000, 'two changes of the post');
    expect(changes.map((c) => c.eventName)).toEqual(['MODIFY', 'INSERT']);
    expect((await call('/_local/data/changes?table=NoSuchModel')).status).toBe(404);
    expect((await call('/_local/data/changes?table=Post&key=not-json')).status).toBe(404);
  });

  it('reset empties the journal', async () => {
    expect((await call('/_local/reset', { method: 'POST' })).status).toBe(200);
    expect((await json(await call('/_local/requests'))).body.requests).toEqual([]);
  });
});
