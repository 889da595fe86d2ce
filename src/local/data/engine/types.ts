/**
 * Contract of the GraphQL engine of the local data service (AppSync semantics, no HTTP).
 *
 * The HTTP endpoint, auth-mode verification and the realtime WebSocket protocol live next to
 * this folder (src/local/data/{http,realtime,...}) and only talk to the engine through these types:
 *
 * - The caller verifies the request's credentials for ONE auth mode and passes the resulting
 *   `$ctx.identity` (exactly AppSync's shape for that mode) with `authMode`. The engine never
 *   sees tokens or signatures.
 * - `execute` runs queries and mutations: graphql-js execution over the transformed SDL, every
 *   field with a resolver runs its (pipeline) VTL, field-level auth directives are checked as
 *   AppSync checks them, errors come back in AppSync's shape (`errorType`, `data`, `path`,
 *   `locations`). It never throws for request problems; a thrown error is a fault.
 * - `prepareSubscription` validates a subscription document, runs the subscription field's
 *   resolver (auth rules, `$extensions.setSubscriptionFilter`, argument filters) and returns a
 *   plan; the realtime layer calls `plan.deliver(event)` for each `MutationEvent` published by
 *   `onMutation` whose `mutationField` is one of `plan.mutationFields`.
 * - Resolvers run as the model defines them: VTL 2018-05-29 templates and APPSYNC_JS code, on
 *   NONE, AMAZON_DYNAMODB and AWS_LAMBDA data sources. Anything else fails `createGraphqlEngine`
 *   with an `EngineStartError` listing each resolver that cannot run and why.
 * - `changes` is the DynamoDB-Streams-like feed (the `data.changes` capability) of every write
 *   the engine performs, whether from a resolver or from `dynamodb.handleJson` (functions' SDK
 *   calls proxied by the data service).
 */
import type { AppSyncAuthMode, DataModel } from '../../assembly/model.js';
import type { ChangeFeed, InvokeResult } from '../../core/registry.js';
import type { Clock, IdSource } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';

export type { AppSyncAuthMode };

/** `$ctx.identity` for AMAZON_COGNITO_USER_POOLS. */
export interface UserPoolIdentity {
  sub: string;
  /** Token `iss`. */
  issuer: string;
  /** `cognito:username` (ID token) or `username` (access token). */
  username: string;
  /** Every claim of the verified token. */
  claims: Record<string, unknown>;
  /** AppSync gives a list. */
  sourceIp: string[];
  defaultAuthStrategy: 'ALLOW' | 'DENY';
  /** `cognito:groups`, or null when the token has none. */
  groups: string[] | null;
}

/** `$ctx.identity` for AWS_IAM. */
export interface IamIdentity {
  accountId: string;
  /** Null for credentials that did not come from an identity pool (e.g. a function's role). */
  cognitoIdentityPoolId: string | null;
  cognitoIdentityId: string | null;
  sourceIp: string[];
  /** e.g. `AROA...:CognitoIdentityCredentials` or the role session name. */
  username: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  userArn: string;
  cognitoIdentityAuthType: 'authenticated' | 'unauthenticated' | null;
  /** e.g. `cognito-idp.<region>.amazonaws.com/<pool>,cognito-idp...:CognitoSignIn:<sub>` or null. */
  cognitoIdentityAuthProvider: string | null;
}

/** `$ctx.identity` for OPENID_CONNECT: the verified token's `sub`, `iss` and claims (AppSync gives no more). */
export interface OidcIdentity {
  sub: string;
  /** Token `iss`. */
  issuer: string;
  claims: Record<string, unknown>;
}

/** `$ctx.identity` for AWS_LAMBDA authorizers. */
export interface LambdaAuthorizerIdentity {
  resolverContext: Record<string, unknown>;
}

/** API_KEY requests have a null identity. */
export type AppSyncIdentity = UserPoolIdentity | IamIdentity | LambdaAuthorizerIdentity | OidcIdentity;

export interface ExecuteRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  /** The mode the caller verified the request with. */
  authMode: AppSyncAuthMode;
  /** Null for API_KEY. */
  identity: AppSyncIdentity | null;
  /** Request headers, lower-case names (`$ctx.request.headers`). */
  headers: Record<string, string>;
  /** `x-amzn-RequestId` of the HTTP response; also the Lambda request id base. */
  requestId: string;
  /** `$ctx.request.domainName` (null for the default AppSync domain; we pass the local host). */
  domainName?: string | null;
  /**
   * Extra per-field check run with the auth directives (e.g. AWS_IAM's `appsync:GraphQL` policy on
   * `apis/<id>/types/<Type>/fields/<field>`). False → `Unauthorized` for that field, as AppSync does.
   */
  authorizeField?: (typeName: string, fieldName: string) => boolean;
}

export interface GraphqlError {
  message: string;
  errorType?: string;
  errorInfo?: unknown;
  data?: unknown;
  path?: (string | number)[];
  locations?: { line: number; column: number; sourceName?: string | null }[];
}

export interface GraphqlResult {
  data: unknown;
  errors?: GraphqlError[];
}

/** Published after every successful top-level mutation field. */
export interface MutationEvent {
  /** The mutation field name, e.g. `createPost`. */
  mutationField: string;
  /**
   * The mutation field's value as the mutation's caller received it (its selection, nested field
   * resolvers applied), keyed by field names rather than the caller's aliases.
   */
  result: Record<string, unknown> | null;
  /**
   * Top-level field names selected under the mutation field; AppSync delivers to a subscriber
   * only fields that the mutation selected (subscription ∩ mutation selection).
   */
  selectionFields: string[];
  /** Same as `result` (kept for listeners that want the value the filters were evaluated on). */
  source: Record<string, unknown> | null;
  /** Arguments of the mutation field. */
  arguments: Record<string, unknown>;
  /** `$extensions.invalidateSubscriptions(...)` calls made by the mutation's resolver. */
  invalidations: { subscriptionField: string; payload: Record<string, unknown> }[];
}

export interface SubscriptionPlan {
  /** Subscription field name, e.g. `onCreatePost`. */
  fieldName: string;
  /** Mutation fields from `@aws_subscribe(mutations: [...])`. */
  mutationFields: string[];
  /**
   * Run per published event: returns the `{ data }` payload for this subscriber (the subscription
   * document executed against the event), or null when filtered out or not authorized.
   */
  deliver(event: MutationEvent): Promise<{ data: unknown; errors?: GraphqlError[] } | null>;
  /** True when an `$extensions.invalidateSubscriptions` from a mutation matches this plan. */
  invalidatedBy?(event: MutationEvent): boolean;
}

export type PrepareSubscriptionResult = { plan: SubscriptionPlan } | { errors: GraphqlError[] };

/** Raw DynamoDB JSON-protocol access (X-Amz-Target: DynamoDB_20120810.<Op>). */
export interface DynamoEngine {
  /** `target` is the full header value or just the operation name. Never throws for bad input. */
  handleJson(target: string, body: string): Promise<{ status: number; headers: Record<string, string>; body: string }>;
  /** Drops every item of every table (tables are kept). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface GraphqlEngine {
  /** Queries and mutations. Subscriptions are rejected with an AppSync-shaped error. */
  execute(req: ExecuteRequest): Promise<GraphqlResult>;
  prepareSubscription(req: ExecuteRequest): Promise<PrepareSubscriptionResult>;
  /** Fired after every successful mutation field. Returns an unsubscribe function. */
  onMutation(listener: (e: MutationEvent) => void): () => void;
  /** Start-up notes (one line each); problems that prevented start are thrown by `createGraphqlEngine`. */
  describe(): string[];
  /** Drops all items (tables kept). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface CreateGraphqlEngineOptions {
  model: DataModel;
  region: string;
  accountId: string;
  /** The data service's folder; the engine keeps DynamoDB data in `<dataDir>/dynamodb`. */
  dataDir: string;
  clock: Clock;
  /** Randomness for `$util.autoId/autoUlid/autoKsuid` (crypto when absent). */
  ids?: IdSource;
  log: Logger;
  /**
   * Invokes a function (AWS_LAMBDA data sources). Resolved lazily per call so a functions service
   * started later is picked up; when absent the field fails with `Lambda:Unhandled`.
   */
  invokeFunction?: (functionLogicalId: string, event: unknown) => Promise<InvokeResult>;
  /** Optional query depth limit (AppSync's `queryDepthLimit`); 0/undefined = none. */
  queryDepthLimit?: number;
  /** Optional resolver count limit (AppSync's `resolverCountLimit`); 0/undefined = none. */
  resolverCountLimit?: number;
}

export type LocalGraphqlEngine = GraphqlEngine & {
  changes: ChangeFeed;
  dynamodb: DynamoEngine;
  /** What opening the tables did that the developer should know (a table rebuilt, items dropped). */
  startNotes?: string[];
  /**
   * An engine for a new model over the same DynamoDB store (hot reload): tables are created or
   * rebuilt as `ensureTables` does, items, the change feed and its subscribers are kept. Throws
   * EngineStartError, leaving this engine serving, when the model cannot be served. The successor
   * owns the store: closing this engine afterwards leaves it open.
   */
  successor?(opts: CreateGraphqlEngineOptions): Promise<LocalGraphqlEngine>;
};

/** Thrown by `createGraphqlEngine` when the model cannot be served (lists every problem). */
export class EngineStartError extends Error {
  override readonly name = 'EngineStartError';
  constructor(readonly problems: string[]) {
    super(`the data model cannot be served locally:\n  - ${problems.join('\n  - ')}`);
  }
}
