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
  corsRules?: { allowedMethods: string[]; allowedOrigins: string[]; allowedHeaders?: string[]; exposedHeaders?: string[]; maxAgeSeconds?: number }[];
}

export interface StorageModel {
  /** The user's buckets: `defineStorage` buckets (with paths) and buckets of custom stacks (paths `{}`). */
  buckets: StorageBucketModel[];
}
