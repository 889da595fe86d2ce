/** The S3 buckets of the backend model. */

export type StorageAccessAction = 'get' | 'list' | 'write' | 'delete';

export interface StorageBucketModel {
  logicalId: string;
  /** The name from `defineStorage` (`mediaStorage`). */
  friendlyName: string;
  /** Local bucket name; always contains a dot so the v6 client uses path-style URLs. */
  bucketName: string;
  isDefault: boolean;
  versioned: boolean;
  /**
   * Paths → access as the outputs describe them, e.g.
   * `"media/${cognito-identity.amazonaws.com:sub}/*": { "entityidentity": ["get","list","write","delete"] }`,
   * `"media/*": { "authenticated": ["get","list"] }`, `{ "groupsAdmin": [...] }`, `{ "guest": [...] }`, `{ "resource": [...] }`.
   */
  paths: Record<string, Record<string, StorageAccessAction[]>>;
  arn: string;
  /** CorsConfiguration.CorsRules. */
  /** Event notifications to Lambda functions (storage triggers); empty when none. */
  notifications?: BucketNotificationModel[];
  corsRules?: { allowedMethods: string[]; allowedOrigins: string[]; allowedHeaders?: string[]; exposedHeaders?: string[]; maxAgeSeconds?: number }[];
}

/**
 * One entry of the bucket's `NotificationConfiguration.LambdaFunctionConfigurations` (what
 * `defineStorage({ triggers })` synthesizes through CDK's `Custom::S3BucketNotifications`, or a
 * custom stack's `AWS::S3::Bucket`): which events of which keys invoke which function.
 */
export interface BucketNotificationModel {
  /** The configuration's `Id`; S3 assigns one when the template sets none (the loader derives it). */
  id: string;
  /** S3 event types as configured, e.g. `s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`. */
  events: string[];
  /** `Filter.Key.FilterRules` (names are case-insensitive in S3). */
  prefix?: string;
  suffix?: string;
  /** The function's ARN as resolved, and its logical id when it is a function of the assembly. */
  functionArn: string;
  functionLogicalId?: string;
}

export interface StorageModel {
  /** The user's buckets: `defineStorage` buckets (with paths) and buckets of custom stacks (paths `{}`). */
  buckets: StorageBucketModel[];
}
