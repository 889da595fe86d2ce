import type { BackendModel } from '../assembly/model.js';
import { requestPath, setRoutedPath } from '../core/request_info.js';
import type { RequestHandler, ServiceName, UpgradeRequest } from '../core/service.js';
import { REALTIME_PATH } from '../data/realtime/server.js';
import { hostnameRoles, hostRoleOf, type HostRole } from './names.js';

/**
 * Routing by Host in AWS-hostname mode. A request whose Host is one of the backend's AWS hostnames
 * goes only to the service that name stands for, and only for that service's own kind of request
 * (the AppSync host's `/graphql`, Kinesis's target on the Kinesis host...): everything else on an
 * AWS host is an unknown route, and the frame's admin API is never reachable under an AWS name.
 * Requests under any other Host (127.0.0.1, localhost) are routed as before.
 */
export interface HostRouting {
  /**
   * The handlers that may take `req`: all of them for a non-AWS Host, else the one service its Host
   * names (or none). Virtual-hosted S3 requests are given their path-style routing path here.
   */
  candidates<H extends RequestHandler>(req: Request, handlers: readonly H[]): readonly H[];
  /**
   * The WebSocket upgrade as the services should see it: the realtime host's `/graphql` (and
   * `/graphql/connect`) becomes the realtime path; undefined when an AWS host has no socket there.
   * Upgrades under other Hosts pass unchanged.
   */
  upgrade(up: UpgradeRequest): { up: UpgradeRequest; service?: ServiceName } | undefined;
}

const JSON_TARGETS: Partial<Record<HostRole['service'], string[]>> = {
  'cognito-idp': ['AWSCognitoIdentityProviderService.'],
  'cognito-identity': ['AWSCognitoIdentityService.'],
  kinesis: ['Kinesis_20131202.'],
  kms: ['TrentService.'],
  ssm: ['AmazonSSM.'],
  dynamodb: ['DynamoDB_20120810.'],
};

const SERVICE_OF: Record<HostRole['service'], ServiceName | undefined> = {
  'cognito-idp': 'auth',
  'cognito-identity': 'identity',
  'appsync-api': 'data',
  // The realtime host serves only WebSockets.
  'appsync-realtime-api': undefined,
  s3: 'storage',
  's3-bucket': 'storage',
  lambda: 'functions',
  pinpoint: 'messaging',
  kinesis: 'messaging',
  sts: 'sts',
  kms: 'keys',
  sqs: 'queues',
  ssm: 'parameters',
  dynamodb: 'data',
};

/** Whether a request on a host of `role` is of the kind that host serves (before the service's own match). */
function servesRequest(role: HostRole, req: Request, url: URL): boolean {
  const target = req.headers.get('x-amz-target') ?? '';
  const prefixes = JSON_TARGETS[role.service];
  // cognito-idp also serves each pool's JWKS and OpenID discovery documents by path.
  if (role.service === 'cognito-idp' && !target) return req.method === 'GET' || req.method === 'HEAD';
  if (prefixes) return prefixes.some((p) => target.startsWith(p));
  switch (role.service) {
    case 'appsync-api':
      return !target && url.pathname.replace(/\/+$/, '') === '/graphql';
    case 'pinpoint':
    case 'lambda':
    case 's3':
    case 's3-bucket':
      return !target;
    default:
      // sts (Query protocol forms), sqs (JSON targets or Query forms): their services decide.
      return true;
  }
}

export function createHostRouting(model: BackendModel): HostRouting {
  const roles = hostnameRoles(model);
  return {
    candidates(req, handlers) {
      const url = new URL(req.url);
      const role = hostRoleOf(roles, url.host);
      if (!role) return handlers;
      const service = SERVICE_OF[role.service];
      if (!service || !servesRequest(role, req, url)) return [];
      if (role.service === 's3-bucket') {
        const sent = requestPath(req, url);
        setRoutedPath(req, { path: `/${encodeURIComponent(role.bucket)}${sent.startsWith('/') ? sent : `/${sent}`}`, signedPath: sent });
      }
      return handlers.filter((h) => h.name === service);
    },

    upgrade(up) {
      const role = hostRoleOf(roles, up.url.host);
      if (!role) return { up };
      if (role.service !== 'appsync-realtime-api') return undefined;
      const path = up.url.pathname.replace(/\/+$/, '');
      if (path !== '/graphql' && path !== '/graphql/connect') return undefined;
      const url = new URL(up.url);
      url.pathname = REALTIME_PATH;
      return { up: { ...up, url }, service: 'data' };
    },
  };
}
