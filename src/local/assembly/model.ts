/**
 * The typed view of a synthesized Gen 2 backend that every local service is configured from.
 * Everything here is read from the cloud assembly (templates + assets) by `load_assembly.ts`;
 * nothing is declared by hand. CloudFormation intrinsics are resolved to local physical ids.
 * Each service's part is in `model_<service>.ts` (next to its `load_<service>.ts`), re-exported here.
 *
 * Changes to these types must be additive: every service reads them.
 */

import type { AuthModel } from './model_auth.js';
import type { DashboardModel } from './model_dashboards.js';
import type { DataModel } from './model_data.js';
import type { EventSourceMappingModel, FunctionModel } from './model_functions.js';
import type { IamModel } from './model_iam.js';
import type { KeysModel } from './model_keys.js';
import type { MessagingModel } from './model_messaging.js';
import type { ScheduleModel } from './model_schedules.js';
import type { QueueModel } from './model_queues.js';
import type { StorageModel } from './model_storage.js';

export type {
  AttributeSchema,
  AuthModel,
  CognitoTrigger,
  IdentityPoolModel,
  PasswordPolicy,
  UserPoolClientModel,
  UserPoolEntry,
  UserPoolModel,
} from './model_auth.js';
export { identityPoolById, identityPoolsOf, userPoolById, userPoolOfClient, userPoolsOf } from './model_auth.js';
export type {
  AppSyncAuthMode,
  AppSyncFunctionModel,
  DataModel,
  DataSourceModel,
  ResolverCode,
  ResolverModel,
} from './model_data.js';
export type { DashboardMetricModel, DashboardModel, DashboardWidgetModel } from './model_dashboards.js';
export type { EventSourceMappingModel, FunctionModel } from './model_functions.js';
export type { IamModel, PolicyStatementModel, RoleModel } from './model_iam.js';
export type { KeysModel, KmsKeyModel } from './model_keys.js';
export type { KinesisStreamModel, MessagingModel, PinpointAppModel } from './model_messaging.js';
export type { ScheduleModel, ScheduleTargetModel } from './model_schedules.js';
export type { BucketNotificationModel, StorageAccessAction, StorageBucketModel, StorageModel } from './model_storage.js';
export type { QueueModel, RedrivePolicyModel } from './model_queues.js';
export type { KeySchemaElement, TableIndexModel, TableModel } from './model_tables.js';

export interface BackendModel {
  /** Root stack name, e.g. `amplify-app-local-sandbox-0300a24c75`. */
  stackName: string;
  region: string;
  /** The local cloud's fake account id (12 digits). */
  accountId: string;
  /** Absolute path of the cloud assembly directory (assets live there). */
  assemblyDir: string;
  auth?: AuthModel;
  data?: DataModel;
  storage?: StorageModel;
  functions: FunctionModel[];
  eventSourceMappings: EventSourceMappingModel[];
  /** EventBridge rules with a ScheduleExpression and Scheduler schedules (absent: none). */
  schedules?: ScheduleModel[];
  iam: IamModel;
  messaging: MessagingModel;
  /** KMS keys of the template (optional: hand-built models may leave it out). */
  keys?: KeysModel;
  /** SQS queues (absent in hand-built models: no queues). */
  queues?: QueueModel[];
  /** CloudWatch dashboards of the template (absent in hand-built models: none). */
  dashboards?: DashboardModel[];
  /** Resolved root-stack outputs (the values `ampx generate outputs` would read), keyed by output name. */
  stackOutputs: Record<string, string>;
  /** Parsed `customOutputs` (what `backend.addOutput` added), or `{}`. */
  customOutputs: Record<string, unknown>;
  /**
   * CDK/Amplify-internal Lambda functions (custom-resource providers, the table manager, bucket
   * deployments...): listed for completeness, never run locally. Each has `internal: true`.
   */
  internalFunctions?: FunctionModel[];
  /**
   * Resources no local service emulates (emulation.ts): the backend starts anyway, their Ref and
   * GetAtt resolve to placeholders shaped like the real values. Empty when everything is served.
   */
  notEmulated?: NotEmulatedResource[];
  /** Things the loader skipped or could not fully resolve that the local cloud does not need. */
  warnings?: string[];
}

/** A resource of the template that the local cloud does not emulate. */
export interface NotEmulatedResource {
  type: string;
  logicalId: string;
  /** The physical name of the stack holding it. */
  stack: string;
}
